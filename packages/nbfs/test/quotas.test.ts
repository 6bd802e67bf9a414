import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  DEFAULT_QUOTAS,
  NbfsError,
  NbfsQuotaError,
  type QuotaName,
  type ReaderQuotas,
  SessionDictionary,
  TextXmlReader,
} from "../src/index.js";
import { hex, toHex } from "./helpers.js";

function drain(
  bytes: Uint8Array,
  quotas?: Partial<ReaderQuotas>,
  session?: SessionDictionary,
): void {
  const r = new BinaryXmlReader(bytes, {
    ...(quotas ? { quotas } : {}),
    ...(session ? { session } : {}),
  });
  while (r.read()) {
    // visit every node
  }
}

function expectQuota(fn: () => void, quota: QuotaName, limit: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NbfsQuotaError);
  expect((caught as NbfsQuotaError).quota).toBe(quota);
  expect((caught as NbfsQuotaError).limit).toBe(limit);
  expect((caught as NbfsQuotaError).code).toBe("quota-exceeded");
}

function nested(depth: number): Uint8Array {
  const w = new BinaryXmlWriter();
  for (let i = 0; i < depth; i++) w.writeStartElement("", "e");
  w.finish();
  return w.toBytes();
}

describe("reader quotas (WCF defaults, raisable)", () => {
  it("defaults are WCF's", () => {
    expect(DEFAULT_QUOTAS.maxDepth).toBe(32);
    expect(DEFAULT_QUOTAS.maxStringContentLength).toBe(8192);
    expect(DEFAULT_QUOTAS.maxArrayLength).toBe(16384);
    expect(DEFAULT_QUOTAS.maxBytesPerRead).toBe(4096);
    expect(DEFAULT_QUOTAS.maxNameTableCharCount).toBe(16384);
    expect(DEFAULT_QUOTAS.maxDocumentSize).toBe(65536);
  });

  it("maxDepth", () => {
    drain(nested(32));
    expectQuota(() => drain(nested(33)), "maxDepth", 32);
    drain(nested(33), { maxDepth: 33 });
    expectQuota(() => new TextXmlReader("<a><b/></a>", { quotas: { maxDepth: 1 } }), "maxDepth", 1);
  });

  it("maxStringContentLength", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "e");
    w.writeString("x".repeat(8193));
    const bytes = w.toBytes();
    expectQuota(() => drain(bytes), "maxStringContentLength", 8192);
    drain(bytes, { maxStringContentLength: 8193 });
    // Counted in characters: 3000 three-byte characters are fine.
    const w2 = new BinaryXmlWriter();
    w2.writeStartElement("", "e");
    w2.writeString("€".repeat(3000));
    drain(w2.toBytes(), { maxStringContentLength: 3000 });
  });

  it("maxArrayLength for Array records and Bytes records", () => {
    const w = new BinaryXmlWriter({ initialCapacity: 64 });
    w.writeStartElement("", "root");
    w.writeArray("", "i", undefined, {
      type: "bool",
      values: new Array<boolean>(16385).fill(true),
    });
    const bytes = w.toBytes();
    expectQuota(() => drain(bytes), "maxArrayLength", 16384);
    drain(bytes, { maxArrayLength: 16385 });
    const b = new BinaryXmlWriter();
    b.writeStartElement("", "root");
    b.writeBase64(new Uint8Array(300));
    expectQuota(() => drain(b.toBytes(), { maxArrayLength: 299 }), "maxArrayLength", 299);
  });

  it("maxBytesPerRead bounds one start tag with its attributes", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "e");
    for (let i = 0; i < 10; i++) w.writeAttributeString("", `a${i}`, undefined, "v".repeat(100));
    const bytes = w.toBytes();
    expectQuota(() => drain(bytes, { maxBytesPerRead: 500 }), "maxBytesPerRead", 500);
    drain(bytes);
  });

  it("maxNameTableCharCount bounds names", () => {
    expectQuota(
      () => drain(hex("40 05 61 62 63 64 65 01"), { maxNameTableCharCount: 4 }),
      "maxNameTableCharCount",
      4,
    );
  });

  it("maxDocumentSize", () => {
    expectQuota(() => drain(new Uint8Array(65537)), "maxDocumentSize", 65536);
    expectQuota(
      () => new TextXmlReader("<a/>", { quotas: { maxDocumentSize: 3 } }),
      "maxDocumentSize",
      3,
    );
  });

  it("maxAttributes and maxListItems", () => {
    expectQuota(
      () => drain(hex("40 01 65 04 01 61 80 04 01 62 80 01"), { maxAttributes: 1 }),
      "maxAttributes",
      1,
    );
    expectQuota(
      () => drain(hex("40 01 65 A4 80 82 80 A6 01"), { maxListItems: 2 }),
      "maxListItems",
      2,
    );
  });

  it("session quotas (MC-NBFSE §4): strings and bytes over the whole session", () => {
    const table = hex("06 02 61 61 02 62 62 40 01 65 01");
    expectQuota(
      () => drain(table, { maxSessionStrings: 1 }, new SessionDictionary()),
      "maxSessionStrings",
      1,
    );
    expectQuota(
      () => drain(table, { maxSessionSize: 3 }, new SessionDictionary()),
      "maxSessionSize",
      3,
    );
    const s = new SessionDictionary();
    drain(table, { maxSessionSize: 4 }, s);
    expectQuota(
      () => drain(hex("02 01 63 40 01 65 01"), { maxSessionSize: 4 }, s),
      "maxSessionSize",
      4,
    );
  });

  it("the writer's session fills for good at the first string that does not fit, as WCF's does", () => {
    const session = new SessionDictionary();
    // maxSessionSize 8: "abc" costs 4, "defghij" would cost 8 (no room), "x" would fit but comes after.
    const w = new BinaryXmlWriter({ session, quotas: { maxSessionSize: 8 } });
    w.writeStartElement("", { id: -1, value: "abc" });
    w.writeStartElement("", { id: -1, value: "defghij" });
    w.writeStartElement("", { id: -1, value: "x" });
    w.toBytes();
    expect(session.values()).toEqual(["abc"]);
    expect(session.full).toBe(true);
    const w2 = new BinaryXmlWriter({ session, quotas: { maxSessionSize: 8 } });
    w2.writeStartElement("", { id: -1, value: "y" });
    w2.writeStartElement("", { id: -1, value: "abc" });
    expect(toHex(w2.toBytes())).toBe("00 40 01 79 42 01 01 01");
  });

  it("the writer stops adding session strings past its limits, as .NET does", () => {
    const session = new SessionDictionary();
    const w = new BinaryXmlWriter({ session, quotas: { maxSessionStrings: 1 } });
    w.writeStartElement("", { id: -1, value: "first" });
    w.writeStartElement("", { id: -1, value: "second" });
    const bytes = w.toBytes();
    expect(session.values()).toEqual(["first"]);
    expect(binaryToText(bytes, { session: new SessionDictionary() })).toBe(
      "<first><second></second></first>",
    );
  });
});

describe("no allocation in proportion to an unverified length", () => {
  it("huge declared lengths fail as truncation at once", () => {
    const cases = [
      "40 01 61 9C FF FF FF 7F 01", // Chars32Text of 2 GiB
      "40 01 61 A2 FF FF FF 7F 01", // Bytes32Text of 2 GiB
      "40 01 61 BA FF FF FF 7F 01", // UnicodeChars32Text of 2 GiB
      "40 FF FF FF FF 07", // name of 2 GiB
      "03 40 01 61 01 95 FF FF FF FF 07", // Array of 2^31-1 decimals
    ];
    for (const c of cases) {
      expect(() =>
        drain(hex(c), { maxStringContentLength: 0x7fffffff, maxArrayLength: 0x7fffffff }),
      ).toThrow(NbfsError);
    }
  });

  it("a StringTable claiming more bytes than present is rejected", () => {
    expect(() => drain(hex("FF FF FF FF 07 00"), undefined, new SessionDictionary())).toThrow(
      /truncated/,
    );
  });
});
