import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  dictionaryString,
  NBFS_DICTIONARY,
  SessionDictionary,
  textToBinary,
} from "../src/index.js";
import { hex, toHex } from "./helpers.js";

const SOAP12 = "http://www.w3.org/2003/05/soap-envelope";
const WSA10 = "http://www.w3.org/2005/08/addressing";
const D = dictionaryString;

// MC-NBFS §3: the sample envelope, its records and its byte stream.
const NBFS_TEXT = `<s:Envelope xmlns:a="${WSA10}"
 xmlns:s="${SOAP12}">
 <s:Header>
  <a:Action s:mustUnderstand="1">action</a:Action>
 </s:Header>
 <s:Body>
  <Inventory>0</Inventory>
 </s:Body>
</s:Envelope>`;
const NBFS_BYTES = hex(`56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00
82 99 06 61 63 74 69 6F 6E 01 56 0E 40 09 49 6E
76 65 6E 74 6F 72 79 81 01 01`);
const NBFS_CANONICAL = `<s:Envelope xmlns:a="${WSA10}" xmlns:s="${SOAP12}"><s:Header><a:Action s:mustUnderstand="1">action</a:Action></s:Header><s:Body><Inventory>0</Inventory></s:Body></s:Envelope>`;

describe("MC-NBFS static dictionary", () => {
  it("holds 487 entries 0x00–0x3CC, looked up both ways", () => {
    expect(NBFS_DICTIONARY.size).toBe(487);
    expect(NBFS_DICTIONARY.get(0x00)).toBe("mustUnderstand");
    expect(NBFS_DICTIONARY.get(0x04)).toBe(SOAP12);
    expect(NBFS_DICTIONARY.get(0x3cc)).toBe("detail");
    expect(NBFS_DICTIONARY.get(0x3ce)).toBeUndefined();
    expect(NBFS_DICTIONARY.get(0x03)).toBeUndefined();
    expect(NBFS_DICTIONARY.idOf("Envelope")).toBe(0x02);
    expect(NBFS_DICTIONARY.idOf("http://schemas.xmlsoap.org/soap/envelope/")).toBe(0x3c2);
    expect(NBFS_DICTIONARY.idOf("nope")).toBeUndefined();
  });

  it("has the Peer Channel strings where WINDOWS-NOTES §1.3 says", () => {
    expect(NBFS_DICTIONARY.get(429 * 2)).toBe("FloodMessage");
    expect(NBFS_DICTIONARY.get(431 * 2)).toBe("Hops");
    expect(NBFS_DICTIONARY.get(434 * 2)).toBe("http://schemas.microsoft.com/net/2006/05/peer");
    expect(NBFS_DICTIONARY.get(436 * 2)).toBe("PeerTo");
  });

  it("round-trips every entry id → string → id", () => {
    for (let id = 0; id <= 0x3cc; id += 2) {
      const s = NBFS_DICTIONARY.get(id);
      expect(s).toBeTypeOf("string");
      expect(NBFS_DICTIONARY.idOf(s!)).toBe(id);
    }
  });
});

describe("MC-NBFS §3 example", () => {
  it("encodes the text form to the exact bytes", () => {
    const bytes = textToBinary(NBFS_TEXT, { lookupStrings: true, ignoreWhitespace: true });
    expect(toHex(bytes)).toBe(toHex(NBFS_BYTES));
  });

  it("decodes the bytes to the same infoset", () => {
    expect(binaryToText(NBFS_BYTES)).toBe(NBFS_CANONICAL);
  });

  it("reports dictionary names and resolved namespaces", () => {
    const r = new BinaryXmlReader(NBFS_BYTES);
    r.read();
    expect(r.localName).toBe("Envelope");
    expect(r.localNameDictionary).toEqual({ id: 2, value: "Envelope" });
    expect(r.namespaceUri).toBe(SOAP12);
    r.read(); // Header
    r.read(); // Action
    expect(r.namespaceUri).toBe(WSA10);
    expect(r.getAttribute("mustUnderstand", SOAP12)?.value).toEqual({ type: "int32", value: 1 });
    expect(r.readElementContentAsString()).toBe("action");
    expect(r.nodeType).toBe("endElement");
    expect(r.localName).toBe("Header");
  });

  it("writes the same bytes through the writer API", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("s", D("Envelope"));
    w.writeXmlnsAttribute("a", D(WSA10));
    w.writeXmlnsAttribute("s", D(SOAP12));
    w.writeStartElement("s", D("Header"), D(SOAP12));
    w.writeStartElement("a", D("Action"), D(WSA10));
    w.writeAttributeString("s", D("mustUnderstand"), D(SOAP12), "1");
    w.writeString("action");
    w.writeEndElement();
    w.writeEndElement();
    w.writeStartElement("s", D("Body"), D(SOAP12));
    w.writeStartElement("", "Inventory");
    w.writeInt32(0);
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    expect(toHex(w.toBytes())).toBe(toHex(NBFS_BYTES));
  });
});

describe("MC-NBFSE §3 example", () => {
  const TABLE = "11 06 61 63 74 69 6F 6E 09 49 6E 76 65 6E 74 6F 72 79";
  const DOC = "56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 AB 01 01 56 0E 42 03 81 01 01";

  function writeExample(session: SessionDictionary): Uint8Array {
    const w = new BinaryXmlWriter({ session });
    w.writeStartElement("s", D("Envelope"));
    w.writeXmlnsAttribute("a", D(WSA10));
    w.writeXmlnsAttribute("s", D(SOAP12));
    w.writeStartElement("s", D("Header"));
    w.writeStartElement("a", D("Action"));
    w.writeAttributeString("s", D("mustUnderstand"), undefined, "1");
    w.writeDictionaryText(D("action"));
    w.writeEndElement();
    w.writeEndElement();
    w.writeStartElement("s", D("Body"));
    w.writeStartElement("", D("Inventory"));
    w.writeString("0");
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    return w.toBytes();
  }

  it("encodes the StringTable and the session references", () => {
    const session = new SessionDictionary();
    expect(toHex(writeExample(session))).toBe(toHex(hex(`${TABLE} ${DOC}`)));
    expect(session.get(1)).toBe("action");
    expect(session.get(3)).toBe("Inventory");
  });

  it("does not repeat strings in the next document's StringTable", () => {
    const session = new SessionDictionary();
    writeExample(session);
    expect(toHex(writeExample(session))).toBe(toHex(hex(`00 ${DOC}`)));
  });

  it("decodes with a reader session, across documents", () => {
    const session = new SessionDictionary();
    const first = binaryToText(hex(`${TABLE} ${DOC}`), { session });
    expect(first).toBe(NBFS_CANONICAL);
    expect(binaryToText(hex(`00 ${DOC}`), { session })).toBe(NBFS_CANONICAL);
    expect(session.count).toBe(2);
  });

  it("rejects a session id that no StringTable defined", () => {
    expect(() => binaryToText(hex(`00 ${DOC}`), { session: new SessionDictionary() })).toThrow(
      /dictionary string 1 is not defined/,
    );
  });
});

describe("MC-NMF §4.1 duplex example payloads (transcribed in specs/README.md)", () => {
  const strings = [
    "http://tempuri.org/IOneWayContract/Execute",
    "net.tcp://SampleServer/SampleApp/",
    "Execute",
    "http://tempuri.org/",
    "sendString",
  ];
  const ascii = (s: string) => toHex(new TextEncoder().encode(s));
  const table = `74 ${strings.map((s) => `${s.length.toString(16).padStart(2, "0")} ${ascii(s)}`).join(" ")}`;
  const doc = (text: string) =>
    `56 02 0b 01 73 04 0b 01 61 06 56 08 44 0a 1e 00 82 ab 01 44 0c 1e 00 82 ab 03 01 56 0e 42 05 0a 07 42 09 99 0d ${ascii(text)} 01 01 01`;

  function writeMessage(session: SessionDictionary, text: string): Uint8Array {
    const w = new BinaryXmlWriter({ session });
    const soap = D(SOAP12);
    const wsa = D(WSA10);
    const tempuri = D("http://tempuri.org/");
    w.writeStartElement("s", D("Envelope"), soap);
    w.writeXmlnsAttribute("a", wsa);
    w.writeStartElement("s", D("Header"), soap);
    w.writeStartElement("a", D("Action"), wsa);
    w.writeAttributeString("s", D("mustUnderstand"), soap, "1");
    w.writeDictionaryText(D(strings[0]!));
    w.writeEndElement();
    w.writeStartElement("a", D("To"), wsa);
    w.writeAttributeString("s", D("mustUnderstand"), soap, "1");
    w.writeDictionaryText(D(strings[1]!));
    w.writeEndElement();
    w.writeEndElement();
    w.writeStartElement("s", D("Body"), soap);
    w.writeStartElement("", D("Execute"), tempuri);
    w.writeStartElement("", D("sendString"), tempuri);
    w.writeString(text);
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    return w.toBytes();
  }

  it("writes WCF's bytes for both messages of the session", () => {
    const session = new SessionDictionary();
    const first = writeMessage(session, "Test message1");
    expect(first.length).toBe(170);
    expect(toHex(first)).toBe(`${table} ${doc("Test message1")}`);
    const second = writeMessage(new SessionDictionary(), "x");
    expect(second[0]).toBe(0x74);
  });

  it("reads the receiver's reply that reuses the initiator's ids in its own direction", () => {
    // The reply travels the other direction, so it brings its own table;
    // the transcript shows an empty one reusing ids from a prior message.
    const session = new SessionDictionary();
    binaryToText(hex(`${table} ${doc("Test message1")}`), { session });
    const text = binaryToText(hex(`00 ${doc("Test message2")}`), { session });
    expect(text).toContain("<sendString>Test message2</sendString>");
    expect(text).toContain(`<a:To s:mustUnderstand="1">net.tcp://SampleServer/SampleApp/</a:To>`);
  });
});
