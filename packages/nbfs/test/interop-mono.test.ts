// Interop with a second implementation: Mono's XmlDictionaryWriter and
// XmlDictionaryReader (the .NET Framework's binary XML code), driven by the
// tool in tools/interop/nbfs. Both sides encode the same documents and must
// produce identical bytes; each side decodes the other's bytes and the two
// XML text renderings must agree. Skipped when Mono is missing unless
// PRCH_REQUIRE_INTEROP=1 (then a missing Mono fails the run); skipped with
// PRCH_UNIT_ONLY=1.
import { beforeAll, describe, expect, it } from "vitest";
import {
  BinaryXmlWriter,
  binaryToText,
  type ArrayValueType,
  type Decimal,
  type DictionaryString,
  NBFS_DICTIONARY,
  SessionDictionary,
  textToBinary,
  type XmlArray,
} from "../src/index.js";
import { SOAP_CORPUS } from "./interop-corpus.js";
import { b64, buildTool, fromHex, monoAvailable, runTool, toHex, unb64 } from "./mono.js";

const unitOnly = process.env.PRCH_UNIT_ONLY === "1";
const required = process.env.PRCH_REQUIRE_INTEROP === "1";
const available = unitOnly ? false : monoAvailable();

/** How many seeded random documents; kept small so the suite stays well under 30 s. */
const RANDOM_DOCS = 300;

/** The dictionary key (line of the tool's dictionary file) of a static string. */
function key(value: string): number {
  const id = NBFS_DICTIONARY.idOf(value);
  if (id === undefined) throw new Error(`not in the static dictionary: ${value}`);
  return id / 2;
}
function entry(k: number): DictionaryString {
  const e = NBFS_DICTIONARY.entry(k * 2);
  if (e === undefined) throw new Error(`no static entry ${k}`);
  return e;
}

const DICT_NAMES = ["Envelope", "Header", "Body", "Action", "To", "MessageID", "Address"].map(key);
const DICT_NS = {
  soap: key("http://www.w3.org/2003/05/soap-envelope"),
  wsa: key("http://www.w3.org/2005/08/addressing"),
};
const MUST_UNDERSTAND = key("mustUnderstand");
const DICT_TEXTS = [
  "http://www.w3.org/2005/08/addressing/anonymous",
  "http://www.w3.org/2005/08/addressing/none",
  "Fault",
  "s",
].map(key);

/** A small seeded generator (LCG), so every run sees the same corpus. */
class Random {
  constructor(private seed: number) {}
  next(n: number): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return (this.seed >>> 8) % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.next(items.length)] as T;
  }
}

const LOCALS = ["a", "Envelope", "item", "LongerElementName", "x".repeat(50)];
const CHARS = ["a", "b", " ", "é", "€", "😀", "z", "0", "<", "&"];
// Lengths around the Chars8/Chars16 boundary and .NET's 512-byte buffer.
const TEXT_LENGTHS = [0, 1, 3, 40, 85, 86, 100, 169, 170, 171, 200, 300, 600];
const BASE64_LENGTHS = [1, 2, 3, 8, 100, 500, 511, 512, 513, 700];
const INT32S = [0, 1, -1, -5, 127, 128, 300, -32768, 70000, 2147483647, -2147483648];
const INT64S = [
  "0",
  "1",
  "-129",
  "32767",
  "2147483648",
  "-9223372036854775808",
  "9223372036854775807",
];
const DOUBLE_BITS = [
  0x3ff0000000000000n, // 1
  0x400921fb54442d18n, // π
  0x7ff0000000000000n, // +∞
  0x41dfffffffc00000n, // 2147483647
  0x3ff199999999999an, // 1.1
  0x3ff1999aa0000000n, // 1.1f widened: exactly a float32
  0xfff8000000000000n, // .NET's double.NaN (JavaScript has one NaN, so we always write this one)
  0x8000000000000000n, // -0
];
const FLOAT_BITS = [0x3f800000, 0x3f8ccccd, -0x40733333, 0x7f800000, 0x4b800001, 0x00000001];
const UINT64S = ["0", "200", "4294967296", "18446744073709551615"];
const DECIMALS = ["0", "1.50", "-12.345", "79228162514264337593543950335", "0.0000001"];
const DATETIMES = [
  ["0", "unspecified"],
  ["638672517000000000", "utc"],
  ["638672517001234567", "unspecified"],
  ["3155378975999999999", "utc"],
];
const TIMESPANS = ["0", "3440000000", "-3440000000", "864000000000", "1"];
const GUIDS = ["3f2504e0-4f89-11d3-9a0c-0305e82c3301", "00000000-0000-0000-0000-000000000000"];

/**
 * One random document as writer calls, one a line, in the tool's "ops"
 * language (strings base64, dictionary strings by key).
 */
function randomOps(rnd: Random, d: number): string[] {
  const text = (): string => {
    const len = rnd.pick(TEXT_LENGTHS);
    let s = "";
    for (let i = 0; i < len; i++) s += CHARS[rnd.next(rnd.next(3) === 0 ? CHARS.length : 3)];
    return s;
  };
  const lines: string[] = [];
  let depth = 0;
  const steps = 5 + rnd.next(60);
  for (let k = 0; k < steps; k++) {
    const op = rnd.next(14);
    if (op < 3 || depth === 0) {
      if (rnd.next(3) === 0) {
        const prefix = rnd.pick(["", "s", "soap"]);
        lines.push(`SD ${b64(prefix)} ${rnd.pick(DICT_NAMES)} ${DICT_NS.soap}`);
        depth++;
        if (rnd.next(2))
          lines.push(
            `AD ${b64(prefix === "" ? "s" : prefix)} ${MUST_UNDERSTAND} ${DICT_NS.soap} ${b64("1")}`,
          );
        if (rnd.next(3) === 0) lines.push(`XD ${b64("a")} ${DICT_NS.wsa}`);
      } else {
        const prefix = rnd.pick(["", "p", "pre"]);
        const ns = prefix === "" ? (rnd.next(2) ? "urn:d" : undefined) : `urn:${prefix}`;
        lines.push(`S ${b64(prefix)} ${b64(rnd.pick(LOCALS))} ${ns === undefined ? "-" : b64(ns)}`);
        depth++;
        if (rnd.next(3) === 0) lines.push(`A ${b64("")} ${b64("attr")} - ${b64(text())}`);
        if (rnd.next(4) === 0) lines.push(`X ${b64("q")} ${b64("urn:q")}`);
      }
    } else if (op < 5) {
      lines.push("E");
      depth--;
    } else if (op < 7) lines.push(`T ${b64(text())}`);
    else if (op === 7) {
      switch (rnd.next(6)) {
        case 0:
          lines.push(`TD ${rnd.pick(DICT_TEXTS)}`);
          break;
        case 1:
          lines.push(`F ${BigInt.asIntN(64, rnd.pick(DOUBLE_BITS))}`);
          break;
        case 2:
          lines.push(`L ${rnd.pick(INT64S)}`);
          break;
        case 3:
          lines.push(`BO ${rnd.next(2)}`);
          break;
        default:
          lines.push(`I ${rnd.pick(INT32S)}`);
      }
    } else if (op === 8) {
      const len = rnd.pick(BASE64_LENGTHS);
      const bytes = new Uint8Array(len).map((_, i) => (i * 7 + d) & 255);
      lines.push(`B ${Buffer.from(bytes).toString("base64")}`);
    } else if (op === 9) lines.push(`G ${rnd.pick(GUIDS)}`);
    else if (op === 10) lines.push(`U ${rnd.pick(GUIDS)}`);
    else if (op === 12) lines.push(randomArray(rnd));
    else if (op === 11) {
      switch (rnd.next(5)) {
        case 0:
          lines.push(`FL ${rnd.pick(FLOAT_BITS)}`);
          break;
        case 1:
          lines.push(`UL ${rnd.pick(UINT64S)}`);
          break;
        case 2:
          lines.push(`DE ${rnd.pick(DECIMALS)}`);
          break;
        case 3:
          lines.push(`DT ${rnd.pick(DATETIMES).join(" ")}`);
          break;
        default:
          lines.push(`TS ${rnd.pick(TIMESPANS)}`);
      }
    } else if (!lines[lines.length - 1]?.startsWith("AR ")) {
      // Not straight after an array: Mono's XmlDictionaryReader (with
      // WriteNode) drops comments that directly follow an Array record; our
      // reader reports them, as the infoset has them.
      lines.push(`C ${b64(text().replace(/-/g, "_") || "note")}`);
    }
  }
  for (; depth > 0; depth--) lines.push("E");
  return lines;
}

/** "-12.345" → { mantissa: 12345n, scale: 3, negative: true } (what decimal.Parse keeps). */
function parseDecimal(s: string): Decimal {
  const negative = s.startsWith("-");
  const digits = negative ? s.slice(1) : s;
  const dot = digits.indexOf(".");
  const scale = dot < 0 ? 0 : digits.length - dot - 1;
  return { mantissa: BigInt(digits.replace(".", "")), scale, negative };
}

/** Items of each Array record type, in the ops language's notation. */
const ARRAY_ITEMS: Record<ArrayValueType, readonly string[]> = {
  bool: ["0", "1"],
  int16: ["0", "-1", "32767", "-32768"],
  int32: INT32S.map(String),
  int64: INT64S,
  float: FLOAT_BITS.map(String),
  double: DOUBLE_BITS.map((b) => String(BigInt.asIntN(64, b))),
  decimal: DECIMALS,
  datetime: DATETIMES.map((d) => d.join(":")),
  timespan: TIMESPANS,
  guid: GUIDS,
};

function randomArray(rnd: Random): string {
  const type = rnd.pick(Object.keys(ARRAY_ITEMS) as ArrayValueType[]);
  const count = rnd.pick([0, 1, 2, 5]);
  const items = Array.from({ length: count }, () => rnd.pick(ARRAY_ITEMS[type]));
  const prefix = rnd.pick(["", "p", "arr"]);
  // Named after its type: .NET's WriteNode reads consecutive same-named
  // elements as one array of the first one's type, so a bool array right
  // after a decimal one of the same name fails to render there.
  return `AR ${type} ${b64(prefix)} ${b64(type)} ${b64(`urn:arr:${prefix}`)} ${items.length === 0 ? "-" : items.join(",")}`;
}

function arrayOf(type: ArrayValueType, items: string[]): XmlArray {
  const bits32 = (x: string): number => {
    const view = new DataView(new ArrayBuffer(4));
    view.setInt32(0, Number(x));
    return view.getFloat32(0);
  };
  const bits64 = (x: string): number => {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigInt64(0, BigInt(x));
    return view.getFloat64(0);
  };
  switch (type) {
    case "bool":
      return { type, values: items.map((x) => x === "1") };
    case "int16":
    case "int32":
      return { type, values: items.map(Number) };
    case "int64":
    case "timespan":
      return { type, values: items.map((x) => BigInt(x)) };
    case "float":
      return { type, values: items.map(bits32) };
    case "double":
      return { type, values: items.map(bits64) };
    case "decimal":
      return { type, values: items.map(parseDecimal) };
    case "datetime":
      return {
        type,
        values: items.map((x) => {
          const [ticks, kind] = x.split(":");
          return { ticks: BigInt(ticks ?? "0"), kind: kind === "utc" ? "utc" : "unspecified" };
        }),
      };
    case "guid":
      return { type, values: items };
  }
}

/** Our side of the "ops" language: the same calls on BinaryXmlWriter. */
function writeOps(lines: readonly string[]): Uint8Array {
  const w = new BinaryXmlWriter();
  const str = (s: string | undefined): string => unb64(s ?? "");
  for (const line of lines) {
    const p = line.split(" ");
    const n = (i: number): number => Number(p[i]);
    switch (p[0]) {
      case "S":
        w.writeStartElement(str(p[1]), str(p[2]), p[3] === "-" ? undefined : str(p[3]));
        break;
      case "SD":
        w.writeStartElement(str(p[1]), entry(n(2)), entry(n(3)));
        break;
      case "E":
        w.writeEndElement();
        break;
      case "A":
        w.writeAttributeString(
          str(p[1]),
          str(p[2]),
          p[3] === "-" ? undefined : str(p[3]),
          str(p[4]),
        );
        break;
      case "AD":
        w.writeAttributeString(str(p[1]), entry(n(2)), entry(n(3)), str(p[4]));
        break;
      case "X":
        w.writeXmlnsAttribute(str(p[1]), str(p[2]));
        break;
      case "XD":
        w.writeXmlnsAttribute(str(p[1]), entry(n(2)));
        break;
      case "T":
        w.writeString(str(p[1]));
        break;
      case "TD":
        w.writeDictionaryText(entry(n(1)));
        break;
      case "I":
        w.writeInt32(n(1));
        break;
      case "L":
        w.writeInt64(BigInt(p[1] ?? "0"));
        break;
      case "BO":
        w.writeBool(p[1] === "1");
        break;
      case "F": {
        const view = new DataView(new ArrayBuffer(8));
        view.setBigInt64(0, BigInt(p[1] ?? "0"));
        w.writeDouble(view.getFloat64(0));
        break;
      }
      case "FL": {
        const view = new DataView(new ArrayBuffer(4));
        view.setInt32(0, n(1));
        w.writeFloat(view.getFloat32(0));
        break;
      }
      case "UL":
        w.writeUInt64(BigInt(p[1] ?? "0"));
        break;
      case "DE":
        w.writeDecimal(parseDecimal(p[1] ?? "0"));
        break;
      case "DT":
        w.writeDateTime({
          ticks: BigInt(p[1] ?? "0"),
          kind: p[2] === "utc" ? "utc" : "unspecified",
        });
        break;
      case "TS":
        w.writeTimeSpan(BigInt(p[1] ?? "0"));
        break;
      case "B":
        w.writeBase64(Uint8Array.from(Buffer.from(p[1] ?? "", "base64")));
        break;
      case "G":
        w.writeGuid(p[1] ?? "");
        break;
      case "U":
        w.writeUniqueId(p[1] ?? "");
        break;
      case "C":
        w.writeComment(str(p[1]));
        break;
      case "AR":
        w.writeArray(
          str(p[2]),
          str(p[3]),
          str(p[4]),
          arrayOf(p[1] as ArrayValueType, p[5] === "-" ? [] : (p[5] ?? "").split(",")),
        );
        break;
      default:
        throw new Error(`unknown op ${p[0]}`);
    }
  }
  w.finish();
  return w.toBytes();
}

// Generous limits: the random documents go past WCF's defaults on purpose.
const BIG = 1 << 24;
const QUOTAS = {
  maxDepth: 1000,
  maxDocumentSize: BIG,
  maxBytesPerRead: BIG,
  maxStringContentLength: BIG,
  maxArrayLength: BIG,
};

/** Our rendering of a binary document, in .NET's attribute order. */
function ourText(bytes: Uint8Array): string {
  return binaryToText(bytes, { deferNamespaceDeclarations: true, quotas: QUOTAS });
}

/** Where two strings first differ, with some context, for failure messages. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `at ${i}: ours …${a.slice(Math.max(0, i - 40), i + 40)}… | mono …${b.slice(Math.max(0, i - 40), i + 40)}…`;
}

describe.skipIf((!available && !required) || unitOnly)(
  "interop with Mono's XmlDictionaryWriter/Reader",
  () => {
    beforeAll(() => {
      if (!available) throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
      buildTool();
    });

    describe("realistic SOAP/WCF documents given as XML text", () => {
      let ours: Uint8Array[] = [];
      let theirs: string[] = [];
      beforeAll(() => {
        // Names and namespaces from the static dictionary go out as dictionary
        // strings on both sides (WCF's serializers pass XmlDictionaryStrings).
        ours = SOAP_CORPUS.map((doc) =>
          textToBinary(doc.xml, {
            lookupStrings: true,
            ignoreWhitespace: true,
            deferNamespaceDeclarations: true,
          }),
        );
        theirs = runTool(
          "text",
          SOAP_CORPUS.map((doc) => `${b64(doc.xml)}\n`).join(""),
          SOAP_CORPUS.length,
        );
      });

      it.each(SOAP_CORPUS.map((doc, i) => ({ ...doc, i })))("$name: identical bytes", ({ i }) => {
        const mono = theirs[i] ?? "";
        expect(mono.startsWith("ERROR")).toBe(false);
        expect(toHex(ours[i] ?? new Uint8Array())).toBe(mono);
      });

      it("each side decodes the other's bytes to the same XML text", () => {
        const monoBytes = theirs.map(fromHex);
        const monoRendering = runTool("decode", `${ours.map(toHex).join("\n")}\n`, ours.length).map(
          unb64,
        );
        monoBytes.forEach((bytes, i) => {
          const mine = ourText(bytes);
          const mono = monoRendering[i] ?? "";
          expect(mine, firstDifference(mine, mono)).toBe(mono);
          // The rendering holds the whole infoset: encoding it again gives the same bytes.
          const again = textToBinary(mine, {
            lookupStrings: true,
            deferNamespaceDeclarations: true,
          });
          expect(toHex(again)).toBe(toHex(bytes));
        });
      });
    });

    describe("MC-NBFSE: the realistic documents sent one after another in one session", () => {
      it("gives identical StringTables and documents, and each side decodes the other's", () => {
        const outgoing = new SessionDictionary();
        const ours = SOAP_CORPUS.map((doc) =>
          textToBinary(doc.xml, {
            lookupStrings: true,
            ignoreWhitespace: true,
            deferNamespaceDeclarations: true,
            session: outgoing,
          }),
        );
        const input = SOAP_CORPUS.map((doc) => `${b64(doc.xml)}\n`).join("");
        const theirs = runTool("session-text", input, SOAP_CORPUS.length);
        expect(theirs.map((t) => t.startsWith("ERROR"))).not.toContain(true);
        // Later documents reuse the strings of earlier ones, so ids continue across them.
        expect(outgoing.count).toBeGreaterThan(20);
        ours.forEach((bytes, i) => {
          expect(toHex(bytes), SOAP_CORPUS[i]?.name).toBe(theirs[i]);
        });

        const incoming = new SessionDictionary();
        const mine = theirs.map((hex) =>
          binaryToText(fromHex(hex), {
            session: incoming,
            deferNamespaceDeclarations: true,
            quotas: QUOTAS,
          }),
        );
        const monoRendering = runTool(
          "session-decode",
          `${ours.map(toHex).join("\n")}\n`,
          ours.length,
        ).map(unb64);
        mine.forEach((text, i) => {
          expect(text, firstDifference(text, monoRendering[i] ?? "")).toBe(monoRendering[i]);
        });
      });
    });

    describe(`${RANDOM_DOCS} seeded random documents written call by call`, () => {
      const rnd = new Random(20261122);
      const docs = Array.from({ length: RANDOM_DOCS }, (_, d) => randomOps(rnd, d));
      let ours: Uint8Array[] = [];
      let theirs: string[] = [];
      beforeAll(() => {
        ours = docs.map(writeOps);
        const input = docs.map((d) => ["BEGIN", ...d, "END"].join("\n")).join("\n");
        theirs = runTool("ops", `${input}\n`, docs.length);
      });

      it("uses every call of the ops language", () => {
        const used = new Set(docs.flatMap((d) => d.map((line) => line.split(" ")[0])));
        const all = "S SD E A AD X XD T TD I L BO F FL UL DE DT TS B G U C AR".split(" ");
        expect([...used].sort()).toEqual(all.sort());
      });

      it("gives identical bytes", () => {
        const differing: number[] = [];
        docs.forEach((_, i) => {
          if (toHex(ours[i] ?? new Uint8Array()) !== theirs[i]) differing.push(i);
        });
        const first = differing[0];
        const detail =
          first === undefined
            ? ""
            : `document ${first}: ${firstDifference(toHex(ours[first] ?? new Uint8Array()), theirs[first] ?? "")}`;
        expect(differing.length, detail).toBe(0);
      });

      it("each side decodes the other's bytes to the same XML text", () => {
        // One root around each document: both readers want a single top element.
        const rooted = docs.map((d) => [`S ${b64("")} ${b64("root")} -`, ...d, "E"]);
        const ourBytes = rooted.map(writeOps);
        const input = rooted.map((d) => ["BEGIN", ...d, "END"].join("\n")).join("\n");
        const monoBytes = runTool("ops", `${input}\n`, rooted.length).map(fromHex);
        const monoRendering = runTool(
          "decode",
          `${ourBytes.map(toHex).join("\n")}\n`,
          ourBytes.length,
        );
        const differing: number[] = [];
        monoBytes.forEach((bytes, i) => {
          if (ourText(bytes) !== unb64(monoRendering[i] ?? "")) differing.push(i);
        });
        const first = differing[0];
        const detail =
          first === undefined
            ? ""
            : `document ${first}: ${firstDifference(ourText(monoBytes[first] ?? new Uint8Array()), unb64(monoRendering[first] ?? ""))}`;
        expect(differing.length, detail).toBe(0);
      });
    });
  },
);
