import { describe, expect, it } from "vitest";
import { BinaryXmlReader, NbfsError, TextXmlReader, textToBinary } from "../src/index.js";
import { hex } from "./helpers.js";

const DOC =
  '<!--c0--><r xmlns="urn:r"><a x="1">  </a><!--c1-->\n <b>t<!--c2-->u</b><c><d/></c><e>5</e></r>';

describe("XmlReader cursor (binary and text alike)", () => {
  for (const [name, make] of [
    ["text", () => new TextXmlReader(DOC)],
    ["binary", () => new BinaryXmlReader(textToBinary(DOC))],
  ] as const) {
    it(`${name}: node sequence, depth and namespaces`, () => {
      const r = make();
      const seen: string[] = [];
      while (r.read()) {
        const v =
          r.nodeType === "text" || r.nodeType === "comment"
            ? JSON.stringify(r.value.type === "string" ? r.value.value : r.value)
            : "";
        seen.push(`${r.nodeType}:${r.depth}:${r.localName}${v}${r.isEmptyElement ? "/" : ""}`);
      }
      expect(r.nodeType).toBe("eof");
      expect(r.read()).toBe(false);
      expect(seen).toEqual([
        'comment:0:"c0"',
        "element:1:r",
        "element:2:a",
        'text:2:"  "',
        "endElement:2:a",
        'comment:1:"c1"',
        'text:1:"\\n "',
        "element:2:b",
        'text:2:"t"',
        'comment:2:"c2"',
        'text:2:"u"',
        "endElement:2:b",
        "element:2:c",
        "element:3:d/",
        "endElement:3:d",
        "endElement:2:c",
        "element:2:e",
        'text:2:"5"',
        "endElement:2:e",
        "endElement:1:r",
      ]);
    });

    it(`${name}: moveToContent, readElementContentAsString, skip`, () => {
      const r = make();
      expect(r.moveToContent()).toBe("element");
      expect(r.localName).toBe("r");
      expect(r.namespaceUri).toBe("urn:r");
      r.read();
      expect(r.localName).toBe("a");
      expect(r.getAttribute("x")?.value).toBeDefined();
      expect(r.readElementContentAsString()).toBe("  ");
      expect(r.moveToContent()).toBe("element");
      expect(r.localName).toBe("b");
      expect(r.readElementContentAsString()).toBe("tu");
      expect(r.localName).toBe("c");
      expect(() => r.readElementContentAsString()).toThrow(NbfsError);
    });

    it(`${name}: skip passes a subtree`, () => {
      const r = make();
      r.moveToContent();
      r.read(); // a
      r.skip();
      expect(r.nodeType).toBe("comment");
      r.moveToContent();
      expect(r.localName).toBe("b");
      r.skip();
      expect(r.localName).toBe("c");
      r.skip();
      expect(r.localName).toBe("e");
      // Text "5" is a Chars record in binary too (only "0" and "1" get their own records).
      expect(r.readElementContentAsValue()).toEqual({ type: "string", value: "5" });
      expect(r.nodeType).toBe("endElement");
      expect(r.localName).toBe("r");
    });
  }

  it("readElementContentAsValue keeps the binary type of a single typed text", () => {
    const r = new BinaryXmlReader(hex("40 01 61 89 07"));
    r.read();
    expect(r.readElementContentAsValue()).toEqual({ type: "int32", value: 7 });
    expect(r.nodeType).toBe("eof");
  });

  it("offsets point at the current record", () => {
    const r = new BinaryXmlReader(hex("40 01 61 98 01 62 01"));
    r.read();
    expect(r.offset).toBe(0);
    r.read();
    expect(r.offset).toBe(3);
    r.read();
    expect(r.offset).toBe(6);
  });

  it("plain MC-NBFX (dictionary: null) rejects dictionary references", () => {
    expect(() => new BinaryXmlReader(hex("42 02 01"), { dictionary: null }).read()).toThrow(
      /not defined/,
    );
  });
});
