import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  Message,
  MessageVersions,
  sessionString,
  TextMessageEncoder,
  type XmlIn,
} from "../src/index.js";
import { hexVector } from "./helpers.js";

const ACTION = "http://tempuri.org/IOneWayContract/Execute";
const TO = "net.tcp://SampleServer/SampleApp/";

/** The MC-NMF §4.1 one-way message: <Execute xmlns="http://tempuri.org/"><sendString>…</sendString></Execute>. */
function execute(text: string): Message {
  return new Message({
    action: ACTION,
    to: TO,
    body: (out) => {
      out.startElement(sessionString("Execute"), sessionString("http://tempuri.org/"));
      out.startElement(sessionString("sendString"), sessionString("http://tempuri.org/"));
      out.writer.writeString(text);
      out.endElement();
      out.endElement();
    },
  });
}

function readExecute(msg: Message): string {
  const inp: XmlIn = msg.getBodyReader();
  inp.expectStart("Execute", "http://tempuri.org/", "Body");
  inp.enter();
  inp.nextChild("Execute");
  return inp.text();
}

describe("MC-NMF §4.1 transcript (binary with in-band dictionary)", () => {
  it("encodes the first message byte for byte, StringTable included", () => {
    const enc = new BinaryMessageEncoder({ session: true });
    const bytes = enc.encode(execute("Test message1"));
    expect(Buffer.from(bytes).toString("hex")).toBe(
      Buffer.from(hexVector("nmf-4.1-message1.hex")).toString("hex"),
    );
    expect(enc.outgoing?.values()).toEqual([
      ACTION,
      TO,
      "Execute",
      "http://tempuri.org/",
      "sendString",
    ]);
  });

  it("a second message in the same session reuses the ids with an empty StringTable", () => {
    const enc = new BinaryMessageEncoder({ session: true });
    enc.encode(execute("Test message1"));
    const second = enc.encode(execute("Test message2"));
    expect(Buffer.from(second).toString("hex")).toBe(
      Buffer.from(hexVector("nmf-4.1-message2.hex")).toString("hex"),
    );
  });

  it("decodes both messages, the second through the strings of the first", () => {
    const dec = new BinaryMessageEncoder({ session: true });
    const m1 = dec.decode(hexVector("nmf-4.1-message1.hex"));
    expect(m1.action).toBe(ACTION);
    expect(m1.to).toBe(TO);
    expect(readExecute(m1)).toBe("Test message1");
    const m2 = dec.decode(hexVector("nmf-4.1-message2.hex"));
    expect(m2.action).toBe(ACTION);
    expect(readExecute(m2)).toBe("Test message2");
  });

  it("the second message alone (no session history) is rejected with a typed error", () => {
    const dec = new BinaryMessageEncoder({ session: true });
    expect(() => dec.decode(hexVector("nmf-4.1-message2.hex"))).toThrow(
      expect.objectContaining({ name: "SoapError", code: "encoding" }),
    );
  });

  it("without a session the same message is plain MC-NBFS with inline strings", () => {
    const enc = new BinaryMessageEncoder();
    const bytes = enc.encode(execute("Test message1"));
    expect(bytes[0]).toBe(0x56); // no StringTable
    const back = new BinaryMessageEncoder().decode(bytes);
    expect(back.action).toBe(ACTION);
    expect(readExecute(back)).toBe("Test message1");
  });
});

describe("content types", () => {
  it("match WCF's", () => {
    expect(new TextMessageEncoder().contentType).toBe("application/soap+xml; charset=utf-8");
    expect(new TextMessageEncoder({ version: MessageVersions.Soap11 }).contentType).toBe(
      "text/xml; charset=utf-8",
    );
    expect(new BinaryMessageEncoder().contentType).toBe("application/soap+msbin1");
    expect(new BinaryMessageEncoder({ session: true }).contentType).toBe(
      "application/soap+msbinsession1",
    );
  });
});
