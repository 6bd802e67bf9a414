// Cross-check of BinaryXmlWriter against Mono's XmlDictionaryWriter (the
// .NET Framework code): random documents written by both must be identical.
// Usage: mcs -r:System.Runtime.Serialization.dll -r:System.Xml.dll \
//          -out:/tmp/nbfs-writer-script.exe scripts/mono-crosscheck/WriterScript.cs
//        pnpm exec tsup && SEED=1 DOCS=1500 node scripts/mono-crosscheck/crosscheck.mjs
const EXE = process.env.EXE ?? "/tmp/nbfs-writer-script.exe";
import { execFileSync } from "node:child_process";
import { BinaryXmlWriter, binaryToText, TextXmlWriter } from "../../dist/index.js";
// DECODE=1 writes each document with our binary writer, then compares our
// binaryToText with Mono's XmlDictionaryReader → text writer rendering.
const DECODE = process.env.DECODE === "1";
// TEXT=1 compares the text writers instead (XmlDictionaryWriter.CreateTextWriter).
const TEXT = process.env.TEXT === "1";
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s) => Buffer.from(s, "base64").toString("utf8");
let seed = Number(process.env.SEED ?? 12345);
const rnd = (n) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const WORDS = [
  "Envelope",
  "Header",
  "Body",
  "urn:d",
  "urn:p",
  "mustUnderstand",
  "Action",
  "http://www.w3.org/2005/08/addressing",
  "item",
];
// The same strings as the C# side's XmlDictionary: id = 2 × index.
const DICT = {
  get: (id) => ((id & 1) === 0 ? WORDS[id >> 1] : undefined),
  idOf: (v) => {
    const i = WORDS.indexOf(v);
    return i < 0 ? undefined : i * 2;
  },
};
const D = (i) => ({ id: i * 2, value: WORDS[i] });
const LOCALS = ["a", "Envelope", "item", "LongerElementName", "x".repeat(50)];
const CHARS = ["a", "b", " ", "é", "€", "😀", "z", "0", "<"];
function text() {
  const len = [0, 1, 3, 40, 85, 86, 100, 169, 170, 171, 200, 300, 600][rnd(13)];
  let s = "";
  for (let i = 0; i < len; i++) s += CHARS[rnd(rnd(3) === 0 ? CHARS.length : 3)];
  return s;
}
function gen(d) {
  const lines = [];
  let depth = 0;
  const steps = 5 + rnd(60);
  for (let k = 0; k < steps; k++) {
    const op = rnd(10);
    if (op < 3 || depth === 0) {
      const local = LOCALS[rnd(LOCALS.length)];
      const prefix = ["", "p", "pre"][rnd(3)];
      const ns = prefix === "" ? (rnd(2) ? "urn:d" : undefined) : `urn:${prefix}`;
      lines.push(`S ${b64(prefix)} ${b64(local)} ${ns === undefined ? "-" : b64(ns)}`);
      depth++;
      if (rnd(3) === 0) lines.push(`A ${b64("")} ${b64("attr")} - ${b64(text())}`);
    } else if (op < 5) {
      lines.push("E");
      depth--;
    } else if (op < 7) lines.push(`T ${b64(text())}`);
    else if (op === 7) {
      const which = rnd(6);
      if (which === 0) lines.push(`TD ${rnd(WORDS.length)}`);
      else if (which === 1) {
        // Dictionary-named element in a dictionary namespace, with a dictionary attribute.
        const prefix = ["", "p", "pre"][rnd(3)];
        const ns = prefix === "" ? 3 : 4;
        lines.push(`SD ${b64(prefix)} ${[0, 1, 2, 5, 6, 8][rnd(6)]} ${ns}`);
        depth++;
        if (rnd(2)) lines.push(`AD ${b64(prefix === "" ? "p" : prefix)} 5 4 ${b64(text())}`);
      } else if (which === 2) {
        const bits = [
          0x3ff0000000000000n,
          0x400921fb54442d18n,
          0x7ff0000000000000n,
          0x41dfffffffc00000n,
        ][rnd(4)];
        lines.push(`F ${bits}`);
      } else lines.push(`I ${[0, 1, -5, 300, 70000, -2147483648][rnd(6)]}`);
    } else if (op === 8) {
      const len = [1, 2, 3, 8, 100, 500, 511, 512, 513, 700][rnd(10)];
      lines.push(
        `B ${Buffer.from(new Uint8Array(len).map((_, i) => (i * 7 + d) & 255)).toString("base64")}`,
      );
    } else lines.push("G 3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  }
  while (depth-- > 0) lines.push("E");
  return lines;
}
function ours(lines) {
  const w = TEXT ? new TextXmlWriter() : new BinaryXmlWriter({ dictionary: DICT });
  for (const l of lines) {
    const p = l.split(" ");
    switch (p[0]) {
      case "S":
        w.writeStartElement(unb64(p[1]), unb64(p[2]), p[3] === "-" ? undefined : unb64(p[3]));
        break;
      case "E":
        w.writeEndElement();
        break;
      case "SD":
        w.writeStartElement(unb64(p[1]), D(Number(p[2])), D(Number(p[3])));
        break;
      case "AD":
        w.writeAttributeString(unb64(p[1]), D(Number(p[2])), D(Number(p[3])), unb64(p[4] ?? ""));
        break;
      case "TD":
        w.writeDictionaryText(D(Number(p[1])));
        break;
      case "F": {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setBigInt64(0, BigInt(p[1]));
        w.writeDouble(dv.getFloat64(0));
        break;
      }
      case "A":
        w.writeAttributeString(unb64(p[1]), unb64(p[2]), undefined, unb64(p[4]));
        break;
      case "T":
        w.writeString(unb64(p[1] ?? ""));
        break;
      case "I":
        w.writeInt32(Number(p[1]));
        break;
      case "B":
        w.writeBase64(Uint8Array.from(Buffer.from(p[1], "base64")));
        break;
      case "G":
        w.writeGuid(p[1]);
        break;
    }
  }
  return TEXT ? Buffer.from(w.toString(), "utf8").toString("base64") : toHex(w.toBytes());
}
function monoDecode(hexDocs) {
  return execFileSync("mono", [EXE, "decode"], {
    input: `${hexDocs.join("\n")}\n`,
    maxBuffer: 1 << 28,
  })
    .toString()
    .trim()
    .split("\n")
    .map((b) => Buffer.from(b, "base64").toString("utf8"));
}

function mono(docs) {
  const input = docs.map((d) => ["BEGIN", ...d, "END"].join("\n")).join("\n");
  return execFileSync("mono", TEXT ? [EXE, "text"] : [EXE], {
    input: `${input}\n`,
    maxBuffer: 1 << 28,
  })
    .toString()
    .trim()
    .split("\n");
}
if (DECODE) {
  // One root element, as readers require.
  const root = `S ${b64("")} ${b64("root")} -`;
  const docs = Array.from({ length: Number(process.env.DOCS ?? 400) }, (_, d) => [
    root,
    ...gen(d),
    "E",
  ]);
  const hexDocs = docs.map((d) => ours(d));
  const theirs = monoDecode(hexDocs);
  let same = 0;
  hexDocs.forEach((h, i) => {
    const bytes = Uint8Array.from(h.split(" ").map((x) => Number.parseInt(x, 16)));
    const mine = binaryToText(bytes, {
      dictionary: DICT,
      deferNamespaceDeclarations: true,
      quotas: {
        maxDepth: 1000,
        maxDocumentSize: 1 << 24,
        maxBytesPerRead: 1 << 24,
        maxStringContentLength: 1 << 24,
        maxArrayLength: 1 << 24,
      },
    });
    if (mine === theirs[i]) same++;
    else if (same + 3 > i) {
      let j = 0;
      while (j < mine.length && mine[j] === theirs[i][j]) j++;
      console.log(
        "DECODE DIFF",
        i,
        "ours",
        JSON.stringify(mine.slice(Math.max(0, j - 60), j + 60)),
        "| mono",
        JSON.stringify(theirs[i].slice(Math.max(0, j - 60), j + 60)),
      );
    }
  });
  console.log(`${same}/${docs.length} documents decode to the same text as Mono`);
  process.exitCode = same === docs.length ? 0 : 1;
} else {
  const docs = Array.from({ length: Number(process.env.DOCS ?? 400) }, (_, d) => gen(d));
  const m = mono(docs);
  const failing = docs.filter((d, i) => ours(d) !== m[i]);
  if (failing.length > 0) {
    // Shrink the first failure by dropping lines that are not S/E.
    let cur = failing[0];
    for (;;) {
      const cands = [];
      cur.forEach((l, i) => {
        if (l[0] !== "S" && l[0] !== "E") cands.push(cur.filter((_, j) => j !== i));
      });
      if (cands.length === 0) break;
      const mm = mono(cands);
      const idx = cands.findIndex((c, i) => ours(c) !== mm[i]);
      if (idx < 0) break;
      cur = cands[idx];
    }
    console.log(
      "MINIMAL",
      cur
        .map((l) =>
          l
            .split(" ")
            .map((x, i) =>
              l[0] === "B"
                ? `[${Buffer.from(x, "base64").length}]`
                : i > 0 && l[0] !== "G" && l[0] !== "I" && x !== "-"
                  ? `"${unb64(x).slice(0, 12)}"(${unb64(x).length})`
                  : x,
            )
            .join(" "),
        )
        .join(" | "),
    );
    const dec = (x) => (TEXT ? Buffer.from(x, "base64").toString("utf8").split("") : x.split(" "));
    const a = dec(ours(cur));
    const b = dec(mono([cur])[0]);
    let j = 0;
    while (j < a.length && a[j] === b[j]) j++;
    console.log(
      "DIFF at",
      j,
      "of",
      a.length,
      b.length,
      "ours",
      a.slice(Math.max(0, j - 12), j + 12).join(" "),
      "| mono",
      b.slice(Math.max(0, j - 12), j + 12).join(" "),
    );
  }
  console.log(`${docs.length - failing.length}/${docs.length} documents byte-identical with Mono`);
  process.exitCode = failing.length === 0 ? 0 : 1;
}
