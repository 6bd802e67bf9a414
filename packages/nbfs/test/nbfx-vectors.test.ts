import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BinaryXmlReader, BinaryXmlWriter, binaryToText, copyNodes } from "../src/index.js";
import { hex, STR_DICTIONARY, toHex } from "./helpers.js";

interface Vector {
  record: string;
  hex: string;
  xml: string;
  reencodes: boolean;
  reencodedHex?: string;
}
const { vectors } = JSON.parse(
  readFileSync(new URL("./vectors/nbfx-section3.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };

describe("MC-NBFX §3 examples", () => {
  it("has every example", () => {
    expect(vectors.length).toBe(82);
  });

  for (const v of vectors) {
    it(`decodes ${v.record}`, () => {
      expect(binaryToText(hex(v.hex), { dictionary: STR_DICTIONARY })).toBe(v.xml);
    });
    if (v.reencodes) {
      it(`re-encodes ${v.record}${v.reencodedHex ? " (fused)" : ""}`, () => {
        const reader = new BinaryXmlReader(hex(v.hex), { dictionary: STR_DICTIONARY });
        const writer = new BinaryXmlWriter({
          dictionary: STR_DICTIONARY,
          deferNamespaceDeclarations: false,
        });
        copyNodes(reader, writer);
        expect(toHex(writer.toBytes())).toBe(toHex(hex(v.reencodedHex ?? v.hex)));
      });
    }
  }

  it("encodes the Int16 Array example with writeArray", () => {
    const w = new BinaryXmlWriter({ dictionary: STR_DICTIONARY });
    w.writeArray("", "arr", undefined, { type: "int16", values: [13107, -30584, -8739] });
    expect(toHex(w.toBytes())).toBe("03 40 03 61 72 72 01 8b 03 33 33 88 88 dd dd");
  });

  it("encodes the Bool Array example with writeArray", () => {
    const w = new BinaryXmlWriter({ dictionary: STR_DICTIONARY });
    w.writeArray("", "arr", undefined, { type: "bool", values: [true, false, true, false, true] });
    expect(toHex(w.toBytes())).toBe("03 40 03 61 72 72 01 b5 05 01 00 01 00 01");
  });

  it("reports typed values for the text records", () => {
    const r = new BinaryXmlReader(hex("40 03 64 6F 63 06 EC 01 8E 00 00 00 80 00 00 00 00 01"), {
      dictionary: STR_DICTIONARY,
    });
    expect(r.read()).toBe(true);
    expect(r.attributes[0]?.value).toEqual({ type: "int64", value: 2147483648n });
  });
});
