import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  binaryToText,
  decodeMultiByteInt31,
  encodeMultiByteInt31,
  NbfsError,
  type NbfsErrorCode,
  SessionDictionary,
} from "../src/index.js";
import { hex } from "./helpers.js";

function decode(bytes: Uint8Array, session?: SessionDictionary): string {
  return binaryToText(bytes, session ? { session } : {});
}

function expectError(h: string, code: NbfsErrorCode, offset?: number): void {
  let caught: unknown;
  try {
    decode(hex(h));
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NbfsError);
  const err = caught as NbfsError;
  expect(err.code).toBe(code);
  expect(err.offset).toBeGreaterThanOrEqual(0);
  if (offset !== undefined) expect(err.offset).toBe(offset);
}

describe("MultiByteInt31", () => {
  it("encodes the MC-NBFX §2.1.2 examples", () => {
    expect(Array.from(encodeMultiByteInt31(0x7f))).toEqual([0x7f]);
    expect(Array.from(encodeMultiByteInt31(0x80))).toEqual([0x80, 0x01]);
    expect(Array.from(encodeMultiByteInt31(0x3fff))).toEqual([0xff, 0x7f]);
    expect(Array.from(encodeMultiByteInt31(0x4000))).toEqual([0x80, 0x80, 0x01]);
    expect(Array.from(encodeMultiByteInt31(0x7fffffff))).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
  });

  it("round-trips boundaries", () => {
    for (const v of [
      0, 1, 127, 128, 16383, 16384, 0x1fffff, 0x200000, 0xfffffff, 0x10000000, 0x7fffffff,
    ]) {
      expect(decodeMultiByteInt31(encodeMultiByteInt31(v))).toEqual({
        value: v,
        length: encodeMultiByteInt31(v).length,
      });
    }
  });

  it("rejects oversize, overlong and truncated forms", () => {
    expect(() => decodeMultiByteInt31(hex("ff ff ff ff 08"))).toThrow(NbfsError);
    expect(() => decodeMultiByteInt31(hex("ff ff ff ff 0f"))).toThrow(/exceeds/);
    expect(() => decodeMultiByteInt31(hex("80 00"))).toThrow(/overlong/);
    expect(() => decodeMultiByteInt31(hex("81 80 00"))).toThrow(/overlong/);
    expect(() => decodeMultiByteInt31(hex("80 80"))).toThrow(/truncated/);
    expect(() => encodeMultiByteInt31(-1)).toThrow(NbfsError);
    expect(() => encodeMultiByteInt31(2 ** 31)).toThrow(NbfsError);
  });
});

describe("malformed documents give NbfsError with the byte offset", () => {
  it("truncation anywhere in a valid document", () => {
    const full = hex(
      "56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 99 06 61 63 74 69 6F 6E 01 56 0E 40 09 49 6E 76 65 6E 74 6F 72 79 81 01 01",
    );
    for (let n = 1; n < full.length; n++) {
      expect(() => decode(full.subarray(0, n)), `prefix of ${n} bytes`).toThrow(NbfsError);
    }
    expect(decode(full)).toContain("Inventory");
  });

  it("unknown and reserved record types", () => {
    expectError("00", "unknown-record", 0);
    expectError("40 01 61 78 01", "unknown-record", 3);
    expectError("40 01 61 BE 01", "unknown-record", 3);
    expectError("40 01 61 A5 01", "unexpected-record", 3);
    expectError("40 01 61 A6 01", "unexpected-record", 3);
  });

  it("bad MultiByteInt31 lengths", () => {
    expectError("40 FF FF FF FF 7F", "bad-multibyte-int31", 1);
    expectError("40 80 00", "bad-multibyte-int31", 1);
  });

  it("invalid UTF-8 and encoded surrogates", () => {
    expectError("40 03 64 C3 28 01", "invalid-utf8");
    expectError(
      "40 01 61 98 1A 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 ED A0 80 01",
      "invalid-utf8",
    );
    expectError("40 01 61 98 03 ED A0 80 01", "invalid-utf8");
  });

  it("split surrogates and odd lengths in UTF-16", () => {
    expectError("40 01 61 B6 02 00 D8 01", "invalid-utf16");
    expectError("40 01 61 B6 03 41 00 42 01", "invalid-utf16");
  });

  it("unbalanced elements", () => {
    expectError("01", "unbalanced", 0);
    expectError("40 01 61", "unbalanced", 3);
    expectError("40 01 61 01 01", "unbalanced", 4);
    expectError("40 01 61 40 01 62 01", "unbalanced");
  });

  it("dictionary ids that are not defined", () => {
    expectError("42 CE 07 01", "unknown-dictionary-string", 1);
    expectError("42 01 01", "unknown-dictionary-string", 1);
    expect(() => decode(hex("00 42 01 01"), new SessionDictionary())).toThrow(/not defined/);
  });

  it("attribute after content and *WithEndElement inside an attribute", () => {
    expectError("40 01 61 98 01 62 04 01 63 98 00 01", "unexpected-record", 6);
    expectError("40 01 61 04 01 62 99 00 01", "unexpected-record", 6);
    expectError("40 01 61 04 01 62 40 01 63 01 01", "unexpected-record", 6);
    expectError("40 01 61 04 01 62", "truncated");
  });

  it("undeclared prefixes and duplicate attributes", () => {
    expectError("5F 01 62 01", "undeclared-prefix");
    expectError("40 01 61 2B 01 62 98 00 01", "undeclared-prefix");
    expectError("40 01 61 04 01 62 80 04 01 62 82 01", "duplicate-attribute");
    expectError("40 01 61 09 01 70 01 78 09 01 70 01 79 01", "duplicate-attribute");
  });

  it("a child may redeclare its parent's prefix; xmlns and xml cannot be rebound", () => {
    expect(decode(hex("40 01 61 09 01 70 01 78 40 01 62 09 01 70 01 79 01 01"))).toBe(
      '<a xmlns:p="x"><b xmlns:p="y"></b></a>',
    );
    expectError("40 01 61 09 05 78 6D 6C 6E 73 01 78 01", "invalid-value");
    expectError("40 01 61 09 03 78 6D 6C 01 78 01", "invalid-value");
  });

  it("text input: a leading byte-order mark is ignored, bad XML is an NbfsError", async () => {
    const { textToBinary } = await import("../src/index.js");
    expect(Array.from(textToBinary("\ufeff<a/>"))).toEqual([0x40, 0x01, 0x61, 0x01]);
    for (const bad of ["<a>", "<a></b>", "<p:a/>", "text", "<a/><b/>", "<a x='1' x='2'/>"]) {
      expect(() => textToBinary(bad), bad).toThrow(NbfsError);
    }
  });

  it("values outside their domain", () => {
    expectError("40 01 61 B4 02 01", "invalid-value");
    expectError("40 01 61 96 00 00 00 00 00 00 00 C0 01", "invalid-value");
    expectError("40 01 61 94 00 00 1D 00 00 00 00 00 00 00 00 00 00 00 00 00 01", "invalid-value");
    expectError("40 01 61 94 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 01", "invalid-value");
    expectError("40 01 61 BC 1A 00 01", "invalid-value");
    expectError("40 01 61 9C FF FF FF FF 01", "invalid-value");
  });

  it("structural rules: a second root, text outside the root, bad arrays", () => {
    expectError("40 01 61 01 40 01 62 01", "unexpected-record", 4);
    expectError("98 01 61", "unexpected-record", 0);
    expectError("03 40 01 61 01 8D 00", "invalid-value");
    expectError("03 40 01 61 01 99 01 00", "unexpected-record");
    expectError("03 40 01 61 01 8D 02 01 00 00 00", "truncated");
    expectError("03 98 00", "unexpected-record", 1);
    expectError("03 40 01 61 8D 01 00 00 00 00", "unexpected-record");
    expectError("40 01 61 A4 A4 A6 A6 01", "unexpected-record");
    expectError("40 01 61 A4 99 00 A6 01", "unexpected-record");
  });

  it("invalid names", () => {
    expectError("40 00 01", "invalid-name", 1);
    expectError("40 03 61 3C 62 01", "invalid-name", 1);
    expectError("40 01 31 01", "invalid-name", 1);
    expectError("41 02 61 3A 01 62 01", "invalid-name", 1);
    expectError("40 01 61 09 02 61 3A 01 62 01", "invalid-name", 4);
  });

  it("StringTable errors", () => {
    const s = new SessionDictionary();
    expect(() => decode(hex("05 03 61 62"), s)).toThrow(/truncated/);
    expect(() => decode(hex("03 03 61 62 63 40 01 61 01"), new SessionDictionary())).toThrow(
      /overruns/,
    );
    expect(() => decode(hex("04 01 61 01 61 40 01 61 01"), new SessionDictionary())).toThrow(
      /already defined/,
    );
  });

  it("skip() passes over a subtree and reports the next node", () => {
    const r = new BinaryXmlReader(hex("40 01 61 40 01 62 40 01 63 98 01 78 01 01 40 01 64 83 01"));
    r.read(); // a
    r.read(); // b
    expect(r.localName).toBe("b");
    r.skip();
    expect(r.nodeType).toBe("element");
    expect(r.localName).toBe("d");
    r.read();
    expect(r.value).toEqual({ type: "int32", value: 1 });
  });
});
