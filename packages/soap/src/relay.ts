import {
  BinaryXmlWriter,
  encodeStringTable,
  type SessionDictionary,
  TextXmlWriter,
} from "@prch/nbfs";
import { NS } from "./constants.js";
import { D } from "./dictionary.js";
import {
  BinaryMessageEncoder,
  type EncodedDocument,
  type MessageEncoder,
  type MessageSource,
  TextMessageEncoder,
} from "./encoder.js";
import { guardNbfs, SoapError, wrapNbfs } from "./errors.js";
import { createHopsHeader } from "./peer.js";
import { Message, type MessageVersion, MessageVersions, ReceivedHeader } from "./message.js";
import { collectSessionRefs, remapSessionStrings, type SessionRef } from "./remap.js";

/**
 * Re-sends a received flood message with only its hop count changed,
 * without re-serialising the body or the other headers (MC-PRCH
 * §3.1.5.9.1.1 step 9; WINDOWS-NOTES §1.3: "replaces the header in place").
 *
 * - Same encoding, no session strings involved: the received bytes are
 *   copied with the `Hops` element spliced out and a new one spliced in.
 * - Binary with MC-NBFSE sessions: the records are copied once, and only
 *   the session-string ids are rewritten for the target session (new strings
 *   go into the target's StringTable). No XML is parsed or re-encoded.
 * - Different encodings (text ↔ binary): the message is decoded again from
 *   the received bytes and re-encoded node by node (the slow path).
 *
 * `received` is a decoded message, the result of `scanFlood` (a flood
 * that was never decoded) or of `BinaryMessageEncoder.encodeForRelay`. `hops` undefined leaves the hop count (or its
 * absence) unchanged. The received message's body may already have been
 * read; only its `source` and header spans are used. Relaying one message
 * to several neighbors walks its records once (the session references are
 * remembered per document), and targets that number its strings alike get
 * the same bytes: treat the result as read-only.
 */
export function encodeRelay(
  received: Message | EncodedDocument,
  target: MessageEncoder,
  hops?: bigint,
): Uint8Array {
  const src = received.source;
  if (src === undefined)
    throw new SoapError("invalid-argument", "the message was not received by an encoder");
  const hopsHeader = received instanceof Message ? findHops(received) : undefined;
  const hopsSpan = received instanceof Message ? hopsHeader?.span : received.hopsSpan;
  if (hops !== undefined && hopsSpan === undefined) {
    throw new SoapError("missing-element", "the message has no Hops header to change", {
      path: "Envelope/Header/Hops",
    });
  }
  if (src.kind === "text" && target instanceof TextMessageEncoder) {
    return relayText(src.text ?? "", hopsHeader, hops);
  }
  if (src.kind === "binary" && target instanceof BinaryMessageEncoder) {
    return relayBinary(src.bytes, src.documentStart, src.session, target, hopsSpan, hops);
  }
  return relaySlow(src, received instanceof Message ? received.version : undefined, target, hops);
}

function findHops(msg: Message): ReceivedHeader | undefined {
  let found: ReceivedHeader | undefined;
  for (const h of msg.headers) {
    if (h.name === "Hops" && h.namespace === NS.peerHopCount && h instanceof ReceivedHeader) {
      if (found !== undefined) throw new SoapError("duplicate-header", "more than one Hops header");
      found = h;
    }
  }
  return found;
}

function checkHops(hops: bigint): string {
  if (hops < 0n || hops > 0xffffffffffffffffn) {
    throw new SoapError("invalid-argument", `hop count ${hops} is not an unsigned 64-bit value`);
  }
  return hops.toString();
}

/** Span of a whole element in XML text, given the offset the text reader reported for its start. */
function textElementSpan(text: string, reported: number): { start: number; end: number } {
  const start = text[reported] === "<" ? reported : text.lastIndexOf("<", reported - 1);
  if (start < 0) throw new SoapError("malformed-envelope", "cannot locate the Hops element");
  let nameEnd = start + 1;
  while (nameEnd < text.length && !/[\s/>]/.test(text[nameEnd]!)) nameEnd++;
  const qname = text.slice(start + 1, nameEnd);
  const tagEnd = text.indexOf(">", nameEnd);
  if (tagEnd < 0) throw new SoapError("malformed-envelope", "unterminated Hops element");
  if (text[tagEnd - 1] === "/") return { start, end: tagEnd + 1 };
  const close = text.indexOf(`</${qname}`, tagEnd);
  const closeEnd = close < 0 ? -1 : text.indexOf(">", close);
  if (closeEnd < 0) throw new SoapError("malformed-envelope", "unterminated Hops element");
  return { start, end: closeEnd + 1 };
}

function relayText(
  text: string,
  hopsHeader: ReceivedHeader | undefined,
  hops: bigint | undefined,
): Uint8Array {
  if (hops === undefined || hopsHeader?.span === undefined) return Buffer.from(text, "utf8");
  const span = textElementSpan(text, hopsHeader.span.start);
  const w = new TextXmlWriter();
  w.writeStartElement("", D.Hops, D.hopCountNs);
  w.writeString(checkHops(hops));
  w.writeEndElement();
  w.finish();
  return Buffer.from(text.slice(0, span.start) + w.toString() + text.slice(span.end), "utf8");
}

/** The Hops header as a stand-alone binary fragment: static dictionary names only, so valid in any session. */
let lastHops: bigint | undefined;
let lastHopsFragment: Uint8Array | undefined;

function hopsFragment(hops: bigint): Uint8Array {
  // A flood goes to all its links with the same hop count: build the fragment once.
  if (lastHopsFragment !== undefined && lastHops === hops) return lastHopsFragment;
  lastHopsFragment = buildHopsFragment(hops);
  lastHops = hops;
  return lastHopsFragment;
}

function buildHopsFragment(hops: bigint): Uint8Array {
  const w = new BinaryXmlWriter();
  w.writeStartElement("", D.Hops, D.hopCountNs);
  w.writeString(checkHops(hops));
  w.writeEndElement();
  return w.toBytes();
}

function relayBinary(
  bytes: Uint8Array,
  documentStart: number,
  from: SessionDictionary | undefined,
  target: BinaryMessageEncoder,
  hopsSpan: { readonly start: number; readonly end: number } | undefined,
  hops: bigint | undefined,
): Uint8Array {
  const span = hops !== undefined ? hopsSpan : undefined;
  const replacement = hops !== undefined ? hopsFragment(hops) : undefined;
  const to = target.outgoing;
  if (from === undefined) {
    // Session-free source: byte splice. A session target just gets an empty StringTable.
    const head = to !== undefined ? 1 : 0;
    const docLen = bytes.length - documentStart;
    const out =
      span === undefined || replacement === undefined
        ? new Uint8Array(head + docLen)
        : new Uint8Array(head + docLen - (span.end - span.start) + replacement.length);
    let pos = head; // out[0] = 0 is the empty StringTable.
    if (span === undefined || replacement === undefined) {
      out.set(bytes.subarray(documentStart), pos);
    } else {
      out.set(bytes.subarray(documentStart, span.start), pos);
      pos += span.start - documentStart;
      out.set(replacement, pos);
      pos += replacement.length;
      out.set(bytes.subarray(span.end), pos);
    }
    return out;
  }
  let refs: readonly SessionRef[];
  try {
    refs = sessionRefs(bytes, documentStart, from);
    // The common case, checked without the closures below: every string is known on the target.
    if (to !== undefined) {
      const known = knownRenumbering(bytes, documentStart, refs, to, span, replacement, hops);
      if (known !== undefined) return known;
    }
  } catch (e) {
    return wrapNbfs(e);
  }
  return guardNbfs(() => {
    const staged: string[] = [];
    const stagedIds = new Map<string, number>();
    const limits = target.sessionLimits;
    let stagedBytes = 0;
    const stage =
      to === undefined
        ? undefined
        : (s: string): number => {
            const existing = to.idOf(s) ?? stagedIds.get(s);
            if (existing !== undefined) return existing;
            // Past the session limits the string goes inline, as the .NET writer does.
            const len = Buffer.byteLength(s, "utf8");
            if (to.count + staged.length >= limits.maxStrings) return -1;
            if (to.byteSize + stagedBytes + len > limits.maxBytes) return -1;
            const id = to.nextId + staged.length * 2;
            staged.push(s);
            stagedIds.set(s, id);
            stagedBytes += len;
            return id;
          };
    let out: Uint8Array | undefined;
    if (stage !== undefined) {
      out = renumber(bytes, documentStart, refs, stage, span, replacement, () =>
        encodeStringTable(staged),
      );
    }
    if (out === undefined) {
      // A string has to go inline (no target session, or it is full): the
      // record types change, so walk and copy record by record.
      staged.length = 0;
      stagedIds.clear();
      stagedBytes = 0;
      const doc = remapSessionStrings(bytes, documentStart, from, stage, span, replacement);
      if (to === undefined) return doc;
      const table = encodeStringTable(staged);
      out = new Uint8Array(table.length + doc.length);
      out.set(table, 0);
      out.set(doc, table.length);
    }
    for (const s of staged) to!.add(s);
    return out;
  });
}

const EMPTY_TABLE = Uint8Array.of(0);
const emptyTable = () => EMPTY_TABLE;

/**
 * The relay when the target session already holds every string the
 * document refers to — after the first few messages on a link, always. When
 * the ids are even the same and the hop count stays, the received document
 * (with its empty StringTable) is valid on the target link as it is.
 */
function knownRenumbering(
  bytes: Uint8Array,
  documentStart: number,
  refs: readonly SessionRef[],
  to: SessionDictionary,
  span: { readonly start: number; readonly end: number } | undefined,
  replacement: Uint8Array | undefined,
  hops: bigint | undefined,
): Uint8Array | undefined {
  const n = refs.length;
  if (knownIds.length < n) knownIds = new Int32Array(n * 2);
  let same = true;
  for (let i = 0; i < n; i++) {
    const r = refs[i]!;
    if (span !== undefined && r.at >= span.start && r.at < span.end) {
      knownIds[i] = -1;
      continue;
    }
    const id = to.idOf(r.text);
    if (id === undefined) return undefined;
    knownIds[i] = id;
    if (id !== r.id) same = false;
  }
  if (same && replacement === undefined && documentStart === 1 && bytes[0] === 0) return bytes;
  // Links whose sessions number this document's strings alike get the same bytes.
  if (memoDoc !== bytes || memoHops !== hops) {
    memoDoc = bytes;
    memoHops = hops;
    memoIds.length = 0;
    memoOut.length = 0;
  }
  for (let k = 0; k < memoIds.length; k++) {
    const ids = memoIds[k]!;
    let i = 0;
    while (i < n && ids[i] === knownIds[i]) i++;
    if (i === n) return memoOut[k]!;
  }
  const out = renumber(bytes, documentStart, refs, knownId, span, replacement, emptyTable);
  if (out !== undefined && memoIds.length < MEMO_TARGETS) {
    memoIds.push(knownIds.slice(0, n));
    memoOut.push(out);
  }
  return out;
}

/** Ids of the document's references on the current target ({@link knownRenumbering}). */
let knownIds = new Int32Array(64);
/** `renumber`'s stage for a target whose ids {@link knownRenumbering} already looked up. */
const knownId = (_s: string, i: number): number => knownIds[i]!;
/**
 * The renumbered copies of the last relayed document (with its hop count),
 * by the ids they use: a flood is relayed to all its links in a row, and the
 * copies are never changed after they are made (the links only read them).
 */
const MEMO_TARGETS = 8;
let memoDoc: Uint8Array | undefined;
let memoHops: bigint | undefined;
const memoIds: Int32Array[] = [];
const memoOut: Uint8Array[] = [];

/**
 * Session-string references of received documents, found by one walk and
 * reused for every neighbor the document is relayed to. Keyed by the
 * received bytes, which belong to one message and one incoming session. A
 * flood goes to all its links one after another, so a few recent documents
 * are enough — and cheaper to look up than a WeakMap.
 */
const RECENT_DOCS = 4;
const recentDocs: (Uint8Array | undefined)[] = new Array(RECENT_DOCS).fill(undefined);
const recentFrom: (SessionDictionary | undefined)[] = new Array(RECENT_DOCS).fill(undefined);
const recentStart: number[] = new Array<number>(RECENT_DOCS).fill(0);
const recentRefs: (readonly SessionRef[])[] = new Array(RECENT_DOCS).fill([]);
let recentNext = 0;

function sessionRefs(
  bytes: Uint8Array,
  documentStart: number,
  from: SessionDictionary,
): readonly SessionRef[] {
  for (let i = 0; i < RECENT_DOCS; i++) {
    if (recentDocs[i] === bytes && recentFrom[i] === from && recentStart[i] === documentStart) {
      return recentRefs[i]!;
    }
  }
  const refs = collectSessionRefs(bytes, documentStart, from);
  recentDocs[recentNext] = bytes;
  recentFrom[recentNext] = from;
  recentStart[recentNext] = documentStart;
  recentRefs[recentNext] = refs;
  recentNext = (recentNext + 1) % RECENT_DOCS;
  return refs;
}

/** Renumbered ids of one call of {@link renumber}; calls do not nest. */
let scratchIds = new Int32Array(64);

/**
 * Copies `from[start, end)` to `to` at `at` and returns the end offset. The
 * short runs between string references are copied byte by byte: a
 * `subarray` view per run would cost more than the copy.
 */
function copyRange(
  from: Uint8Array,
  start: number,
  end: number,
  to: Uint8Array,
  at: number,
): number {
  const n = end - start;
  if (n < 48) {
    for (let i = 0; i < n; i++) to[at + i] = from[start + i]!;
  } else {
    to.set(from.subarray(start, end), at);
  }
  return at + n;
}

function mb31Length(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * The document with each session reference renumbered through `stage`, and
 * the Hops span replaced, after the StringTable `head()` (called once every
 * id is staged); undefined when some string must go inline (then the caller
 * walks the records). The layout is unchanged except for the widths of the
 * renumbered ids, so this is a few copies between references.
 */
function renumber(
  bytes: Uint8Array,
  documentStart: number,
  refs: readonly SessionRef[],
  stage: (s: string, index: number) => number,
  span: { readonly start: number; readonly end: number } | undefined,
  replacement: Uint8Array | undefined,
  head: () => Uint8Array,
): Uint8Array | undefined {
  const splice = span !== undefined && replacement !== undefined;
  if (scratchIds.length < refs.length) scratchIds = new Int32Array(refs.length * 2);
  const ids = scratchIds;
  let size = bytes.length - documentStart;
  if (splice) size += replacement.length - (span.end - span.start);
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if (splice && r.at < span.end && r.at + r.len > span.start) {
      if (r.at < span.start || r.at + r.len > span.end) {
        throw new SoapError("malformed-envelope", "the Hops header is not on a record boundary");
      }
      ids[i] = -1; // inside the replaced Hops header
      continue;
    }
    const id = stage(r.text, i);
    if (id < 0) return undefined;
    ids[i] = id;
    size += mb31Length(id) - r.len;
  }
  const table = head();
  // Every byte is written below: skip the zero fill (and use Node's pool for small sizes).
  const out: Uint8Array = Buffer.allocUnsafe(table.length + size);
  out.set(table, 0);
  let o = table.length;
  let cursor = documentStart;
  let spliced = !splice;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if (!spliced && r.at >= span!.start) {
      o = copyRange(bytes, cursor, span!.start, out, o);
      out.set(replacement!, o);
      o += replacement!.length;
      cursor = span!.end;
      spliced = true;
    }
    const id = ids[i]!;
    if (id < 0) continue;
    o = copyRange(bytes, cursor, r.at, out, o);
    cursor = r.at;
    let x = id;
    while (x >= 0x80) {
      out[o++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    out[o++] = x;
    cursor += r.len;
  }
  if (!spliced) {
    o = copyRange(bytes, cursor, span!.start, out, o);
    out.set(replacement!, o);
    o += replacement!.length;
    cursor = span!.end;
  }
  copyRange(bytes, cursor, bytes.length, out, o);
  return out;
}

/** Cross-encoding relay: decode the received bytes again and re-encode node by node. */
function relaySlow(
  src: MessageSource,
  receivedVersion: MessageVersion | undefined,
  target: MessageEncoder,
  hops: bigint | undefined,
): Uint8Array {
  // A scanned flood is always SOAP 1.2 with WS-Addressing 1.0 (see scanFlood).
  const version = receivedVersion ?? MessageVersions.Soap12WSAddressing10;
  let again: Message;
  if (src.kind === "text") {
    again = new TextMessageEncoder({
      version,
      quotas: { maxDocumentSize: 0x7fffffff },
    }).decodeString(src.text ?? "");
  } else {
    // Re-read under the same incoming strings: an empty StringTable, then the document.
    const copy = new Uint8Array(1 + src.bytes.length - src.documentStart);
    copy.set(src.bytes.subarray(src.documentStart), 1);
    const dec = new BinaryMessageEncoder({
      version,
      quotas: { maxDocumentSize: 0x7fffffff },
      ...(src.session !== undefined
        ? { session: { incoming: src.session, outgoing: src.session } }
        : {}),
    });
    again = dec.decode(src.session !== undefined ? copy : src.bytes.subarray(src.documentStart));
  }
  again.bufferBody();
  const headers = again.headers.map((h) =>
    hops !== undefined && h.name === "Hops" && h.namespace === NS.peerHopCount
      ? createHopsHeader(hops)
      : h,
  );
  const out = new Message({
    version: again.version,
    ...(again.action !== undefined ? { action: again.action } : {}),
    ...(again.to !== undefined ? { to: again.to } : {}),
    ...(again.messageId !== undefined ? { messageId: again.messageId } : {}),
    ...(again.relatesTo !== undefined ? { relatesTo: again.relatesTo } : {}),
    ...(again.replyTo !== undefined ? { replyTo: again.replyTo } : {}),
    ...(again.from !== undefined ? { from: again.from } : {}),
    ...(again.faultTo !== undefined ? { faultTo: again.faultTo } : {}),
    headers,
    ...(again.body !== undefined ? { body: again.body } : {}),
  });
  return target.encode(out);
}
