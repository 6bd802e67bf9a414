import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dictionaryString, NbfsError } from "@prch/nbfs";
import { EnvelopeCodec, KnownEncoding, NmfError } from "../src/index.js";
import * as v41 from "./vectors/duplex-4.1.js";

const XML_41 = (text: string) =>
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">' +
  '<s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/IOneWayContract/Execute</a:Action>' +
  '<a:To s:mustUnderstand="1">net.tcp://SampleServer/SampleApp/</a:To></s:Header>' +
  `<s:Body><Execute xmlns="http://tempuri.org/"><sendString>${text}</sendString></Execute></s:Body></s:Envelope>`;

describe("EnvelopeCodec with binary session encoding (0x08)", () => {
  it("decodes the §4.1 envelope, StringTable first", () => {
    const codec = new EnvelopeCodec(KnownEncoding.Soap12BinarySession);
    expect(codec.decodeToText(v41.PAYLOAD_1)).toBe(XML_41("Test message1"));
    expect(codec.inbound?.values()).toEqual([
      "http://tempuri.org/IOneWayContract/Execute",
      "net.tcp://SampleServer/SampleApp/",
      "Execute",
      "http://tempuri.org/",
      "sendString",
    ]);
    // Strings stay defined for the life of the session: an envelope with an
    // empty StringTable may use them.
    expect(codec.decodeToText(v41.PAYLOAD_2)).toBe(XML_41("Test message2"));
    // Defining a string twice is an error (MC-NBFSE §2.1).
    expect(() => codec.decodeToText(v41.PAYLOAD_1)).toThrow(NmfError);
  });

  it("writes the exact §4.1 bytes when values are dictionary strings, as WCF's are", () => {
    // WCF hands Action, To and the contract names to the writer as
    // XmlDictionaryStrings, so they become session strings 1, 3, 5, 7, 9.
    const codec = new EnvelopeCodec(8);
    const w = codec.binaryWriter();
    const session = (value: string) => ({ id: -1, value });
    const S = "http://www.w3.org/2003/05/soap-envelope";
    const A = "http://www.w3.org/2005/08/addressing";
    w.writeStartElement("s", dictionaryString("Envelope"), dictionaryString(S));
    w.writeXmlnsAttribute("a", dictionaryString(A));
    w.writeStartElement("s", dictionaryString("Header"));
    for (const [name, value] of [
      ["Action", "http://tempuri.org/IOneWayContract/Execute"],
      ["To", "net.tcp://SampleServer/SampleApp/"],
    ] as const) {
      w.writeStartElement("a", dictionaryString(name));
      w.writeStartAttribute("s", dictionaryString("mustUnderstand"), dictionaryString(S));
      w.writeInt32(1);
      w.writeEndAttribute();
      w.writeDictionaryText(session(value));
      w.writeEndElement();
    }
    w.writeEndElement();
    w.writeStartElement("s", dictionaryString("Body"));
    w.writeStartElement("", session("Execute"), session("http://tempuri.org/"));
    w.writeStartElement("", session("sendString"));
    w.writeString("Test message1");
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndElement();
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    expect(hex(w.toBytes())).toBe(hex(v41.PAYLOAD_1));
    expect(codec.outbound?.count).toBe(5);
  });

  it("keeps one dictionary per direction", () => {
    const a = new EnvelopeCodec(8);
    const b = new EnvelopeCodec(8);
    const first = a.encodeFromText(XML_41("one"));
    const second = a.encodeFromText(XML_41("two"));
    expect(first[0]).toBeGreaterThan(0); // a non-empty StringTable
    expect(second[0]).toBe(0); // nothing new: an empty StringTable
    expect(second.length).toBeLessThan(first.length);
    expect(b.decodeToText(first)).toBe(XML_41("one"));
    expect(b.decodeToText(second)).toBe(XML_41("two"));
    expect(a.outbound?.count).toBe(b.inbound?.count);
    expect(a.inbound?.count).toBe(0);
    // The other direction starts from scratch.
    const reply = b.encodeFromText(XML_41("three"));
    expect(reply[0]).toBeGreaterThan(0);
    expect(a.decodeToText(reply)).toBe(XML_41("three"));
  });

  it("round-trips arbitrary text content across a session", () => {
    const a = new EnvelopeCodec(8);
    const b = new EnvelopeCodec(8);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }).filter((s) => !/[\uD800-\uDFFF]/.test(s)),
        (s) => {
          const clean = `${s.replace(/[^\t\n\x20-\uFFFD]/g, "")}.`;
          const esc = clean.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
          expect(b.decodeToText(a.encodeFromText(XML_41(esc)))).toBe(
            XML_41(esc.replace(/\r/g, "")),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("rejects a broken envelope with an NmfError", () => {
    const codec = new EnvelopeCodec(8);
    const e = (() => {
      try {
        codec.decodeToText(Uint8Array.of(0x05, 0x03, 0x61));
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(NmfError);
    expect((e as NmfError).code).toBe("invalid-envelope");
  });
});

describe("EnvelopeCodec with other encodings", () => {
  it("0x07 has no StringTable and no session", () => {
    const codec = new EnvelopeCodec(KnownEncoding.Soap12Binary);
    const bytes = codec.encodeFromText(XML_41("x"));
    expect(bytes[0]).toBe(0x56); // PrefixDictionaryElementS: straight into the document
    expect(codec.inbound).toBeUndefined();
    expect(new EnvelopeCodec(7).decodeToText(bytes)).toBe(XML_41("x"));
  });

  it("text encodings: UTF-8, UTF-16 either way round", () => {
    const xml = "<a>é€</a>";
    expect(new EnvelopeCodec(3).encodeFromText(xml)).toEqual(new TextEncoder().encode(xml));
    const le = new EnvelopeCodec(KnownEncoding.Soap12Utf16).encodeFromText(xml);
    expect([...le.subarray(0, 2)]).toEqual([0x3c, 0x00]);
    expect(new EnvelopeCodec(4).decodeToText(le)).toBe(xml);
    const be = new EnvelopeCodec(KnownEncoding.Soap12UnicodeLE).encodeFromText(xml);
    expect([...be.subarray(0, 2)]).toEqual([0x00, 0x3c]);
    expect(new EnvelopeCodec(5).decodeToText(be)).toBe(xml);
    // A byte-order mark wins over the encoding's default byte order.
    expect(new EnvelopeCodec(5).decodeToText(Uint8Array.of(0xff, 0xfe, 0x41, 0x00))).toBe("A");
  });

  it("refuses MTOM and extensible encodings", () => {
    expect(() => new EnvelopeCodec(KnownEncoding.Soap12Mtom)).toThrow(NmfError);
    expect(() => new EnvelopeCodec({ contentType: "application/x" })).toThrow(NmfError);
  });
});

describe("EnvelopeCodec on hostile input", () => {
  it("random bytes only ever raise NmfError, for every supported encoding", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8),
        fc.uint8Array({ maxLength: 300 }),
        (encoding, bytes) => {
          const codec = new EnvelopeCodec(encoding as KnownEncoding);
          try {
            codec.decodeToText(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(NmfError);
          }
          // reader() hands out an @prch/nbfs reader: creating it raises
          // NmfError, reading it raises NbfsError like every nbfs reader.
          try {
            const r = new EnvelopeCodec(encoding as KnownEncoding).reader(bytes);
            for (let i = 0; i < 1000 && r.read(); i++);
          } catch (e) {
            expect(e instanceof NmfError || e instanceof NbfsError).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
