import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  TextXmlWriter,
  type XmlArray,
  type XmlValue,
} from "../src/index.js";
import { toHex } from "./helpers.js";

const G1 = "33221100-5544-7766-8899-aabbccddeeff";
const G2 = "03020100-0504-0706-0809-0a0b0c0d0e0f";

const cases: { array: XmlArray; record: number; size: number; expected: XmlValue[] }[] = [
  {
    array: { type: "bool", values: [true, false] },
    record: 0xb5,
    size: 1,
    expected: [
      { type: "bool", value: true },
      { type: "bool", value: false },
    ],
  },
  {
    array: { type: "int16", values: [-32768, 32767] },
    record: 0x8b,
    size: 2,
    expected: [
      { type: "int32", value: -32768 },
      { type: "int32", value: 32767 },
    ],
  },
  {
    array: { type: "int32", values: Int32Array.of(-1, 2147483647) },
    record: 0x8d,
    size: 4,
    expected: [
      { type: "int32", value: -1 },
      { type: "int32", value: 2147483647 },
    ],
  },
  {
    array: { type: "int64", values: BigInt64Array.of(-(2n ** 63n), 5n) },
    record: 0x8f,
    size: 8,
    expected: [
      { type: "int64", value: -(2n ** 63n) },
      { type: "int64", value: 5n },
    ],
  },
  {
    array: { type: "float", values: [1.5, -0.25] },
    record: 0x91,
    size: 4,
    expected: [
      { type: "float", value: 1.5 },
      { type: "float", value: -0.25 },
    ],
  },
  {
    array: { type: "double", values: [Math.PI, 1e300] },
    record: 0x93,
    size: 8,
    expected: [
      { type: "double", value: Math.PI },
      { type: "double", value: 1e300 },
    ],
  },
  {
    array: {
      type: "decimal",
      values: [
        { mantissa: 5123456n, scale: 6, negative: false },
        { mantissa: 2n ** 96n - 1n, scale: 0, negative: true },
      ],
    },
    record: 0x95,
    size: 16,
    expected: [
      { type: "decimal", value: { mantissa: 5123456n, scale: 6, negative: false } },
      { type: "decimal", value: { mantissa: 2n ** 96n - 1n, scale: 0, negative: true } },
    ],
  },
  {
    array: {
      type: "datetime",
      values: [
        { ticks: 632834208000000000n, kind: "unspecified" },
        { ticks: 1n, kind: "utc" },
      ],
    },
    record: 0x97,
    size: 8,
    expected: [
      { type: "datetime", value: { ticks: 632834208000000000n, kind: "unspecified" } },
      { type: "datetime", value: { ticks: 1n, kind: "utc" } },
    ],
  },
  {
    array: { type: "timespan", values: [-3440000000n, 120000000000n] },
    record: 0xaf,
    size: 8,
    expected: [
      { type: "timespan", value: -3440000000n },
      { type: "timespan", value: 120000000000n },
    ],
  },
  {
    array: { type: "guid", values: [G1, G2] },
    record: 0xb1,
    size: 16,
    expected: [
      { type: "guid", value: G1 },
      { type: "guid", value: G2 },
    ],
  },
];

describe("Array records (MC-NBFX §2.3.3) of every value type", () => {
  for (const c of cases) {
    it(`${c.array.type}: writes one Array record and reads it back item by item`, () => {
      const w = new BinaryXmlWriter();
      w.writeStartElement("", "root");
      w.writeArray("", "v", "urn:x", c.array);
      const bytes = w.toBytes();
      // root, then Array: 03, element v with its xmlns, EndElement, type, count
      expect(toHex(bytes.subarray(0, 6))).toBe("40 04 72 6f 6f 74");
      expect(bytes[6]).toBe(0x03);
      // 03 | 40 01 "v" | 08 05 "urn:x" | 01
      const at = 17;
      expect(bytes[at]).toBe(0x01);
      expect(bytes[at + 1]).toBe(c.record);
      expect(bytes[at + 2]).toBe(2);
      expect(bytes.length).toBe(at + 3 + 2 * c.size + 1);

      const r = new BinaryXmlReader(bytes);
      const seen: XmlValue[] = [];
      while (r.read()) {
        if (r.nodeType === "element" && r.localName === "v") {
          expect(r.namespaceUri).toBe("urn:x");
          expect(r.depth).toBe(2);
        }
        if (r.nodeType === "text") seen.push(r.value);
      }
      expect(seen).toEqual(c.expected);

      // The text form repeats the element, like the text writer's writeArray.
      const t = new TextXmlWriter();
      t.writeStartElement("", "root");
      t.writeArray("", "v", "urn:x", c.array);
      expect(binaryToText(bytes, { deferNamespaceDeclarations: true })).toBe(t.toString());
    });
  }
});
