import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  dictionaryString,
  formatDecimal,
  guidFromBytes,
  NBFS_DICTIONARY,
  NbfsError,
  SessionDictionary,
  TextXmlWriter,
  textToBinary,
  type XmlValue,
  type XmlWriter,
} from "../src/index.js";
import { hex } from "./helpers.js";

// ---- a small infoset model ------------------------------------------------

interface Attr {
  prefix: string;
  local: string;
  value: XmlValue;
}
interface Elem {
  /** Namespace for prefix "p", which children may rebind. */
  pns?: string;
  prefix: string;
  local: string;
  attrs: Attr[];
  children: (Elem | XmlValue)[];
}

const NAMESPACES: Record<string, string> = {
  "": "",
  s: "http://www.w3.org/2003/05/soap-envelope",
  a: "http://www.w3.org/2005/08/addressing",
  pre: "http://abc",
  i: "http://www.w3.org/2001/XMLSchema-instance",
};
const LOCALS = [
  "Envelope",
  "Header",
  "Body",
  "To",
  "item",
  "x1",
  "Inventory",
  "Action",
  "d-e.f",
  "é",
];

const arbSimpleValue: fc.Arbitrary<XmlValue> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }).map((value) => ({ type: "string" as const, value })),
  fc
    .integer({ min: -2147483648, max: 2147483647 })
    .map((value) => ({ type: "int32" as const, value })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((value) => ({ type: "int64" as const, value })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: "uint64" as const, value })),
  fc.boolean().map((value) => ({ type: "bool" as const, value })),
  fc.float().map((value) => ({ type: "float" as const, value })),
  fc.double().map((value) => ({ type: "double" as const, value })),
  fc
    .record({
      mantissa: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
      scale: fc.integer({ min: 0, max: 28 }),
      negative: fc.boolean(),
    })
    .map((value) => ({ type: "decimal" as const, value })),
  fc
    .record({
      ticks: fc.bigInt({ min: 0n, max: 3155378975999999999n }),
      kind: fc.constantFrom("utc" as const, "unspecified" as const),
    })
    .map((value) => ({ type: "datetime" as const, value })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((value) => ({ type: "timespan" as const, value })),
  fc.uuid().map((value) => ({ type: "guid" as const, value })),
  fc.uuid().map((value) => ({ type: "uniqueid" as const, value })),
  fc.uint8Array({ maxLength: 40 }).map((value) => ({ type: "base64" as const, value })),
  fc
    .integer({ min: 0, max: 486 })
    .map((i) => ({ type: "dictionary" as const, value: NBFS_DICTIONARY.entry(i * 2)! })),
  fc.tuple(fc.constantFrom("a", "i", "z"), fc.integer({ min: 0, max: 486 })).map(([prefix, i]) => ({
    type: "qname" as const,
    prefix,
    localName: NBFS_DICTIONARY.entry(i * 2)!,
  })),
);
const arbValue: fc.Arbitrary<XmlValue> = fc.oneof(
  { weight: 8, arbitrary: arbSimpleValue },
  {
    weight: 1,
    arbitrary: fc
      .array(arbSimpleValue, { maxLength: 4 })
      .map((items) => ({ type: "list" as const, items })),
  },
);

const arbAttrs: fc.Arbitrary<Attr[]> = fc.uniqueArray(
  fc.record({
    prefix: fc.constantFrom("", "", "a", "pre"),
    local: fc.constantFrom(...LOCALS),
    value: arbValue,
  }),
  { maxLength: 3, selector: (a) => `${a.prefix}:${a.local}` },
);

const { elem: arbElem } = fc.letrec<{ elem: Elem }>((tie) => ({
  elem: fc.record({
    pns: fc.constantFrom("urn:p1", "urn:p2"),
    prefix: fc.constantFrom(...Object.keys(NAMESPACES), "p"),
    local: fc.constantFrom(...LOCALS),
    attrs: arbAttrs,
    children: fc.array(
      fc.oneof(
        { maxDepth: 3, depthIdentifier: "tree" },
        { weight: 2, arbitrary: arbValue },
        { weight: 1, arbitrary: tie("elem") },
      ),
      { maxLength: 4, depthIdentifier: "tree" },
    ),
  }),
}));

function nameOf(local: string, dict: boolean) {
  return dict ? dictionaryString(local) : local;
}

function elemNs(e: Elem): string {
  return e.prefix === "p" ? e.pns! : NAMESPACES[e.prefix]!;
}

function writeElem(w: XmlWriter, e: Elem, dict: boolean): void {
  w.writeStartElement(e.prefix, nameOf(e.local, dict), nameOf(elemNs(e), dict));
  for (const a of e.attrs) {
    w.writeStartAttribute(
      a.prefix,
      nameOf(a.local, dict),
      a.prefix === "" ? undefined : nameOf(NAMESPACES[a.prefix]!, dict),
    );
    w.writeValue(a.value);
    w.writeEndAttribute();
  }
  for (const c of e.children) {
    if ("children" in c) writeElem(w, c, dict);
    else w.writeValue(c);
  }
  w.writeEndElement();
}

/** A canonical form of a value that ignores which record carried it. */
function canon(v: XmlValue): string {
  switch (v.type) {
    case "int32":
    case "int64":
    case "uint64":
      return `n:${BigInt(v.value)}`;
    case "float":
    case "double":
      return Number.isInteger(v.value) ? `n:${BigInt(v.value)}` : `n:${v.value}`;
    case "string":
      return v.value === "0" || v.value === "1" ? `n:${v.value}` : `s:${v.value}`;
    case "dictionary":
      return `s:${v.value.value}`;
    case "decimal":
      return `m:${formatDecimal(v.value)}`;
    case "datetime":
      return `t:${v.value.kind}:${v.value.ticks}`;
    case "timespan":
      return `p:${v.value}`;
    case "guid":
      return `g:${v.value}`;
    case "uniqueid":
      return `u:${v.value}`;
    case "base64":
      return `b:${Buffer.from(v.value).toString("hex")}`;
    case "bool":
      return `o:${v.value}`;
    case "qname":
      return `q:${v.prefix}:${v.localName.value}`;
    case "list":
      return `l:[${v.items.map(canon).join(",")}]`;
  }
}

/** Expected events of an element, as the binary reader should report them. */
function expectedEvents(e: Elem, out: string[]): void {
  const attrs = e.attrs.map((a) => `${NAMESPACES[a.prefix]}|${a.local}=${canon(a.value)}`).sort();
  out.push(`<${elemNs(e)}|${e.local} ${attrs.join(" ")}`);
  let base64: number[] | undefined;
  const flush = () => {
    if (base64 !== undefined && base64.length > 0)
      out.push(`b:${Buffer.from(base64).toString("hex")}`);
    base64 = undefined;
  };
  for (const c of e.children) {
    if ("children" in c) {
      flush();
      expectedEvents(c, out);
    } else if (c.type === "base64") {
      base64 = [...(base64 ?? []), ...c.value];
    } else {
      flush();
      if (c.type === "string" && c.value === "") continue; // empty text writes nothing
      out.push(canon(c));
    }
  }
  flush();
  out.push(">");
}

function readEvents(bytes: Uint8Array, session?: SessionDictionary): string[] {
  const r = new BinaryXmlReader(bytes, {
    quotas: { maxDepth: 1000 },
    ...(session ? { session } : {}),
  });
  const out: string[] = [];
  let base64: number[] | undefined;
  const flush = () => {
    if (base64 !== undefined) out.push(`b:${Buffer.from(base64).toString("hex")}`);
    base64 = undefined;
  };
  while (r.read()) {
    if (r.nodeType === "text" && r.value.type === "base64") {
      base64 = [...(base64 ?? []), ...r.value.value];
      continue;
    }
    flush();
    if (r.nodeType === "element") {
      const attrs = r.attributes
        .filter((a) => !a.isXmlns)
        .map((a) => `${a.namespaceUri}|${a.localName}=${canon(a.value)}`)
        .sort();
      out.push(`<${r.namespaceUri}|${r.localName} ${attrs.join(" ")}`);
    } else if (r.nodeType === "endElement") out.push(">");
    else if (r.nodeType === "text") out.push(canon(r.value));
  }
  flush();
  return out;
}

describe("property: infoset → binary → infoset", () => {
  it("keeps names, namespaces and typed values (plain names)", () => {
    fc.assert(
      fc.property(arbElem, (e) => {
        const w = new BinaryXmlWriter();
        writeElem(w, e, false);
        const expected: string[] = [];
        expectedEvents(e, expected);
        expect(readEvents(w.toBytes())).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps them with dictionary names and a session, across documents", () => {
    fc.assert(
      fc.property(fc.array(arbElem, { minLength: 1, maxLength: 3 }), (docs) => {
        const out = new SessionDictionary();
        const inn = new SessionDictionary();
        for (const e of docs) {
          const w = new BinaryXmlWriter({ session: out });
          writeElem(w, e, true);
          const expected: string[] = [];
          expectedEvents(e, expected);
          expect(readEvents(w.toBytes(), inn)).toEqual(expected);
        }
        expect(inn.values()).toEqual(out.values());
      }),
      { numRuns: 150 },
    );
  });
});

// XML-safe text: no control characters except tab/LF/CR, no U+FFFE/FFFF.
function xmlSafe(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const bad =
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff;
    out += bad ? "_" : ch;
  }
  return out;
}
const arbXmlString = fc.string({ unit: "binary", maxLength: 20 }).map(xmlSafe);

const { t: arbTextElem } = fc.letrec<{ t: Elem }>((tie) => ({
  t: fc.record({
    prefix: fc.constantFrom(...Object.keys(NAMESPACES)),
    local: fc.constantFrom(...LOCALS),
    attrs: fc.uniqueArray(
      fc.record({
        prefix: fc.constantFrom("", "a"),
        local: fc.constantFrom(...LOCALS),
        value: arbXmlString.map((value) => ({ type: "string" as const, value })),
      }),
      { maxLength: 3, selector: (a) => `${a.prefix}:${a.local}` },
    ),
    children: fc.array(
      fc.oneof(
        { maxDepth: 3, depthIdentifier: "text" },
        { weight: 2, arbitrary: arbXmlString.map((value) => ({ type: "string" as const, value })) },
        { weight: 1, arbitrary: tie("t") },
      ),
      { maxLength: 4, depthIdentifier: "text" },
    ),
  }),
}));

describe("property: text → binary → text", () => {
  it("the binary and text writers agree for the same calls", () => {
    fc.assert(
      fc.property(arbTextElem, (e) => {
        const b = new BinaryXmlWriter();
        writeElem(b, e, true);
        const t = new TextXmlWriter();
        writeElem(t, e, true);
        const viaBinary = binaryToText(b.toBytes(), {
          deferNamespaceDeclarations: true,
          fullEndElements: false,
          quotas: { maxDepth: 1000 },
        });
        expect(viaBinary).toBe(t.toString());
      }),
      { numRuns: 200 },
    );
  });

  it("reproduces the text exactly", () => {
    fc.assert(
      fc.property(arbTextElem, fc.boolean(), (e, lookup) => {
        const t = new TextXmlWriter();
        writeElem(t, e, false);
        const text = t.toString();
        const bytes = textToBinary(text, { lookupStrings: lookup, quotas: { maxDepth: 1000 } });
        expect(binaryToText(bytes, { fullEndElements: false, quotas: { maxDepth: 1000 } })).toBe(
          text,
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("fuzz: any bytes give a document or an NbfsError", () => {
  function decodeAll(bytes: Uint8Array, session?: SessionDictionary): void {
    try {
      binaryToText(bytes, session ? { session } : {});
    } catch (e) {
      if (!(e instanceof NbfsError)) throw e;
      expect(e.offset).toBeGreaterThanOrEqual(-1);
    }
  }

  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withSession) => {
        decodeAll(bytes, withSession ? new SessionDictionary() : undefined);
      }),
      { numRuns: 500 },
    );
  });

  it("mutated valid documents", () => {
    const seeds = [
      hex(
        "56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 99 06 61 63 74 69 6F 6E 01 56 0E 40 09 49 6E 76 65 6E 74 6F 72 79 81 01 01",
      ),
      hex("40 03 64 6F 63 04 01 61 A4 88 7B 98 05 68 65 6C 6C 6F 86 A6 01"),
      hex("03 40 03 61 72 72 01 B5 05 01 00 01 00 01"),
      hex(
        "40 03 64 6F 63 04 01 75 B6 06 75 00 6E 00 69 00 94 00 00 06 00 00 00 00 00 80 2D 4E 00 00 00 00 00 01",
      ),
      hex(
        "11 06 61 63 74 69 6F 6E 09 49 6E 76 65 6E 74 6F 72 79 56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 AB 01 01 56 0E 42 03 81 01 01",
      ),
    ];
    const arbMutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(
        fc.record({
          kind: fc.integer({ min: 0, max: 2 }),
          at: fc.nat(),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      session: fc.boolean(),
    });
    fc.assert(
      fc.property(arbMutation, ({ seed, edits, session }) => {
        const bytes = Array.from(seeds[seed]!);
        for (const { kind, at, byte } of edits) {
          const i = bytes.length === 0 ? 0 : at % bytes.length;
          if (kind === 0) bytes[i] = byte;
          else if (kind === 1) bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        decodeAll(Uint8Array.from(bytes), session ? new SessionDictionary() : undefined);
      }),
      { numRuns: 800 },
    );
  });

  it("GUID text round-trips through .NET byte order", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const w = new BinaryXmlWriter();
        w.writeStartElement("", "g");
        w.writeGuid(guidFromBytes(b));
        const bytes = w.toBytes();
        expect(Array.from(bytes.subarray(4, 20))).toEqual(Array.from(b));
      }),
      { numRuns: 200 },
    );
  });
});

describe("fuzz: any text gives a binary document or an NbfsError", () => {
  it("markup fragments in any order", () => {
    const atoms = fc.constantFrom(
      "<a>",
      "</a>",
      "<b x='1'>",
      "</b>",
      "<p:c xmlns:p='u'>",
      "</p:c>",
      "&amp;",
      "&#0;",
      "&bogus;",
      "<!--x-->",
      "<![CDATA[y]]>",
      "<?pi z?>",
      "<!DOCTYPE a>",
      "text",
      "\u0000",
      "<a/>",
      "<?xml version='1.0'?>",
    );
    fc.assert(
      fc.property(fc.array(atoms, { maxLength: 12 }), fc.string(), (parts, extra) => {
        for (const t of [parts.join(""), parts.join("") + extra]) {
          try {
            textToBinary(t);
          } catch (e) {
            if (!(e instanceof NbfsError)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
