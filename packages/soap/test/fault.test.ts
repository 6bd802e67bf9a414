import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  classifyPeerMessage,
  createFaultMessage,
  faultCode,
  MessageVersions,
  type SoapFault,
  TextMessageEncoder,
  textNode,
  tryReadFault,
  WSA,
} from "../src/index.js";

const fault: SoapFault = {
  code: faultCode("Sender", MessageVersions.Soap12WSAddressing10, {
    name: "DestinationUnreachable",
    namespace: "http://www.w3.org/2005/08/addressing",
  }),
  reasons: [{ text: "The message could not be processed.", lang: "en-US" }],
  detail: [textNode("Info", "urn:detail", "more")],
};

describe("SOAP faults", () => {
  for (const enc of [new TextMessageEncoder(), new BinaryMessageEncoder({ session: true })]) {
    it(`SOAP 1.2 fault round-trips (${enc.kind})`, () => {
      const rx = enc.kind === "text" ? enc : new BinaryMessageEncoder({ session: true });
      const msg = rx.decode(enc.encode(createFaultMessage(fault)));
      expect(msg.action).toBe(WSA.fault10);
      expect(classifyPeerMessage(msg)).toBe("fault");
      const f = tryReadFault(msg);
      expect(f?.code.name).toBe("Sender");
      expect(f?.code.namespace).toBe("http://www.w3.org/2003/05/soap-envelope");
      expect(f?.code.subcode).toEqual({
        name: "DestinationUnreachable",
        namespace: "http://www.w3.org/2005/08/addressing",
      });
      expect(f?.reasons).toEqual(fault.reasons);
      expect(f?.detail?.[0]?.localName).toBe("Info");
    });
  }

  it("SOAP 1.1 fault uses faultcode/faultstring and Client for Sender", () => {
    const v = MessageVersions.Soap11;
    const enc = new TextMessageEncoder({ version: v });
    const f11: SoapFault = {
      code: faultCode("Sender", v),
      reasons: [{ text: "bad", lang: "en" }],
      role: "urn:me",
    };
    const xml = enc.encodeToString(createFaultMessage(f11, { version: v }));
    expect(xml).toContain("<faultcode>s:Client</faultcode>");
    expect(xml).toContain('<faultstring xml:lang="en">bad</faultstring>');
    const back = tryReadFault(enc.decode(Buffer.from(xml)));
    expect(back).toEqual({
      code: { name: "Client", namespace: "http://schemas.xmlsoap.org/soap/envelope/" },
      reasons: f11.reasons,
      role: "urn:me",
    });
  });

  it("tryReadFault leaves a non-fault body unread", () => {
    const enc = new TextMessageEncoder();
    const msg = enc.decode(
      Buffer.from(
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>x</a:Action></s:Header><s:Body><X xmlns="urn:x"/></s:Body></s:Envelope>',
      ),
    );
    expect(tryReadFault(msg)).toBeUndefined();
    expect(msg.bodyElement).toEqual({ localName: "X", namespaceUri: "urn:x" });
  });
});
