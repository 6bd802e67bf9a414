import { type BenchCase, type BenchOptions, type BenchReport, runBench } from "@prch/bench";
import { BinaryXmlReader, BinaryXmlWriter, TextXmlWriter } from "@prch/nbfs";
import { SaxesParser } from "saxes";
import { makeOrder, writeOrder } from "./message.js";

/** The reference case of every group. */
export const SAXES = "saxes, XML text";

/** Order lines giving a ~1 KB and a ~64 KB binary message. */
export const SMALL_ITEMS = 7;
export const LARGE_ITEMS = 700;

// The 64 KB message is past WCF's 65536-byte default document size; the
// benchmark raises the quotas so that it measures decoding, not refusal.
const QUOTAS = { maxDocumentSize: 1 << 24, maxBytesPerRead: 1 << 24 };

/** One message size: the two encodings of the same document and the cases over them. */
export interface NbfsFixture {
  readonly items: number;
  /** The binary (MC-NBFS) document. */
  readonly binary: Uint8Array;
  /** The same infoset as XML text (UTF-8 length is what saxes is charged for). */
  readonly text: string;
  readonly textBytes: number;
  /** Each returns a count that a test can check (elements seen, or bytes written). */
  readonly decode: () => number;
  readonly decodeValues: () => number;
  readonly encode: () => number;
  /** Encode through one writer kept for every message (reset with a fresh buffer each time). */
  readonly encodePooled: () => number;
  readonly saxes: () => number;
}

/**
 * Builds one message size. Every case handles one whole message: decode
 * walks every node (`decodeValues` also builds every text value: strings,
 * decimals, GUIDs); encode writes the message from its values, as a
 * DataContract serializer would; the reference parses the XML text with
 * saxes, namespace-aware like the binary reader, counting elements.
 */
export function nbfsFixture(items: number): NbfsFixture {
  const order = makeOrder(items);
  const bw = new BinaryXmlWriter();
  writeOrder(bw, order);
  const binary = bw.toBytes();
  const tw = new TextXmlWriter();
  writeOrder(tw, order);
  const text = tw.toString();

  const decode = (): number => {
    const r = new BinaryXmlReader(binary, { quotas: QUOTAS });
    let elements = 0;
    while (r.read()) if (r.nodeType === "element") elements++;
    return elements;
  };
  const decodeValues = (): number => {
    const r = new BinaryXmlReader(binary, { quotas: QUOTAS });
    let elements = 0;
    while (r.read()) {
      if (r.nodeType === "element") elements++;
      else if (r.nodeType === "text" && r.value === undefined) return -1;
    }
    return elements;
  };
  const encode = (): number => {
    const w = new BinaryXmlWriter();
    writeOrder(w, order);
    return w.toBytes().length;
  };
  // WCF's BinaryMessageEncoder keeps its XmlDictionaryWriters in a pool; reset()
  // without reuseBuffer gives each message its own memory, so the bytes
  // handed out stay valid (as they must while a socket write holds them).
  const pooled = new BinaryXmlWriter();
  const encodePooled = (): number => {
    pooled.reset();
    writeOrder(pooled, order);
    return pooled.toBytes().length;
  };
  const saxes = (): number => {
    const p = new SaxesParser({ xmlns: true });
    let elements = 0;
    p.on("opentag", () => {
      elements++;
    });
    p.on("text", () => {});
    p.write(text).close();
    return elements;
  };
  return {
    items,
    binary,
    text,
    textBytes: Buffer.byteLength(text, "utf8"),
    decode,
    decodeValues,
    encode,
    encodePooled,
    saxes,
  };
}

/** The benchmark cases of one fixture, the saxes reference first. */
export function nbfsCases(f: NbfsFixture): BenchCase[] {
  // MB/s counts each contender's own input: binary bytes for nbfs, text bytes for saxes.
  return [
    { name: SAXES, bytes: f.textBytes, run: f.saxes },
    { name: "nbfs decode (nodes)", bytes: f.binary.length, run: f.decode },
    { name: "nbfs decode + every value", bytes: f.binary.length, run: f.decodeValues },
    { name: "nbfs encode", bytes: f.binary.length, run: f.encode },
    { name: "nbfs encode, pooled writer", bytes: f.binary.length, run: f.encodePooled },
  ];
}

/** Options of {@link runNbfsBench}. */
export interface NbfsBenchOptions {
  /** Order lines of the two messages (default ~1 KB and ~64 KB binary). */
  readonly sizes?: readonly number[];
  /** Harness overrides (samples, durations, JSON path, printer). */
  readonly harness?: Partial<BenchOptions>;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

/**
 * Encodes and decodes a ~1 KB and a ~64 KB SOAP message (WS-Addressing
 * headers, DataContract body) in messages/s and MB/s, side by side in one
 * run with saxes parsing the same documents as XML text.
 */
export async function runNbfsBench(options: NbfsBenchOptions = {}): Promise<BenchReport> {
  const groups = (options.sizes ?? [SMALL_ITEMS, LARGE_ITEMS]).map((items) => {
    const f = nbfsFixture(items);
    return {
      title: `${kb(f.binary.length)} binary / ${kb(f.textBytes)} text`,
      reference: SAXES,
      cases: nbfsCases(f),
    };
  });
  return runBench("nbfs-codec", groups, options.harness);
}
