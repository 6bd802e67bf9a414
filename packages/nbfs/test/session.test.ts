import { describe, expect, it } from "vitest";
import { BinaryXmlWriter, SessionDictionary, utf8ByteLength } from "../src/index.js";

describe("SessionDictionary", () => {
  it("assigns odd ids that continue across documents and never re-adds a string", () => {
    const s = new SessionDictionary();
    expect(s.add("action")).toBe(1);
    expect(s.add("Inventory")).toBe(3);
    expect(s.add("action")).toBe(1);
    expect(s.nextId).toBe(5);
    expect(s.get(3)).toBe("Inventory");
    expect(s.get(2)).toBeUndefined();
    expect(s.get(5)).toBeUndefined();
    expect(s.idOf("Inventory")).toBe(3);
    expect(s.byteSize).toBe(15);
    // StringTable bytes: "action" 6 + 1, "Inventory" 9 + 1.
    expect(s.tableSize).toBe(17);
  });

  it("writer reset() never overwrites bytes already returned", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "first");
    const first = w.toBytes();
    const copy = Array.from(first);
    w.reset();
    w.writeStartElement("", "other");
    w.writeString("x".repeat(50));
    expect(Array.from(w.toBytes()).slice(0, 3)).toEqual([0x40, 5, 0x6f]);
    expect(Array.from(first)).toEqual(copy);
  });

  it("reset(true) writes the next document into the same memory", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "first");
    const first = w.toBytes();
    w.reset(true);
    w.writeStartElement("", "other");
    const second = w.toBytes();
    expect(second.buffer).toBe(first.buffer);
    expect(Array.from(second)).toEqual([0x40, 5, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x01]);
  });

  it("measures UTF-8 like TextEncoder, lone surrogates as U+FFFD", () => {
    for (const str of ["", "abc", "é", "€", "😀", "a\ud800b", "\udc00"]) {
      expect(utf8ByteLength(str)).toBe(new TextEncoder().encode(str).length);
    }
  });
});

describe("lookupNamespace on both readers", () => {
  it("resolves prefixes in scope at the current node, for QName values", async () => {
    const {
      BinaryXmlReader: B,
      TextXmlReader: T,
      textToBinary: t2b,
    } = await import("../src/index.js");
    const text =
      '<s:Fault xmlns:s="urn:s"><s:Code><s:Value xmlns:x="urn:x">x:Sender</s:Value></s:Code><s:After/></s:Fault>';
    for (const r of [new T(text), new B(t2b(text))]) {
      const seen: (string | undefined)[] = [];
      while (r.read()) {
        if (r.nodeType === "text") seen.push(r.lookupNamespace("x"), r.lookupNamespace("s"));
        if (r.nodeType === "element" && r.localName === "After") seen.push(r.lookupNamespace("x"));
      }
      expect(seen).toEqual(["urn:x", "urn:s", undefined]);
      expect(r.lookupNamespace("")).toBe("");
      expect(r.lookupNamespace("xml")).toBe("http://www.w3.org/XML/1998/namespace");
    }
  });
});
