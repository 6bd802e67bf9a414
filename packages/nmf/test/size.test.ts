import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeSize,
  encodedSizeLength,
  encodeSize,
  MAX_RECORD_SIZE,
  NmfError,
  SizeDecoder,
} from "../src/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("record size encoding (MC-NMF §2.2.2)", () => {
  const table: [number, string][] = [
    [0x01, "01"],
    [0x7f, "7f"],
    [0x80, "8001"],
    [0xaa, "aa01"], // the §4.1 envelope: 06 AA 01
    [0x3fff, "ff7f"],
    [0x4000, "808001"],
    [0x1fffff, "ffff7f"],
    [0x200000, "80808001"],
    [0x0fffffff, "ffffff7f"],
    [0x10000000, "8080808001"],
    [0x7fffffff, "ffffffff07"],
  ];
  it.each(table)("encodes %i as %s and back", (size, bytes) => {
    expect(hex(encodeSize(size))).toBe(bytes);
    expect(encodedSizeLength(size)).toBe(bytes.length / 2);
    expect(decodeSize(Buffer.from(bytes, "hex"))).toEqual({ size, length: bytes.length / 2 });
  });

  it("refuses to encode 0, negatives, fractions and sizes over 0x7FFFFFFF", () => {
    for (const bad of [0, -1, 1.5, MAX_RECORD_SIZE + 1, 0xffffffff]) {
      expect(() => encodeSize(bad)).toThrow(NmfError);
    }
  });

  const invalid: [string, string][] = [
    ["00", "size-zero"],
    ["8000", "size-overlong"],
    ["818000", "size-overlong"],
    ["80808000", "size-overlong"],
    ["8080808000", "size-overlong"],
    ["ffffffff08", "size-too-large"],
    ["ffffffff0f", "size-too-large"],
    ["ffffffff7f", "size-too-large"],
    ["ffffffff80", "size-too-large"],
  ];
  it.each(invalid)("rejects %s with %s", (bytes, code) => {
    let caught: unknown;
    try {
      decodeSize(Buffer.from(bytes, "hex"));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NmfError);
    expect((caught as NmfError).code).toBe(code);
    expect((caught as NmfError).offset).toBe(bytes.length / 2 - 1);
  });

  it("reports an incomplete size as undefined", () => {
    expect(decodeSize(Uint8Array.of(0x80))).toBeUndefined();
    expect(decodeSize(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBeUndefined();
    expect(decodeSize(new Uint8Array(0))).toBeUndefined();
  });

  it("round-trips every valid size, octet by octet", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_RECORD_SIZE }), (size) => {
        const bytes = encodeSize(size);
        const d = new SizeDecoder();
        let result = -1;
        bytes.forEach((b, i) => {
          const r = d.push(b, i);
          if (i < bytes.length - 1) expect(r).toBe(-1);
          else result = r;
        });
        expect(result).toBe(size);
      }),
      { numRuns: 300 },
    );
  });
});
