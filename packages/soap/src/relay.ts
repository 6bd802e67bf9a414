import {
  BinaryXmlWriter,
  encodeStringTable,
  type SessionDictionary,
  TextXmlWriter,
} from "@prch/nbfs";
import { NS } from "./constants.js";
import { D } from "./dictionary.js";
import { BinaryMessageEncoder, type MessageEncoder, TextMessageEncoder } from "./encoder.js";
import { guardNbfs, SoapError } from "./errors.js";
import { createHopsHeader } from "./peer.js";
import { Message, ReceivedHeader } from "./message.js";
import { remapSessionStrings } from "./remap.js";

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
 * `hops` undefined leaves the hop count (or its absence) unchanged. The
 * received message's body may already have been read; only its `source`
 * and header spans are used.
 */
export function encodeRelay(received: Message, target: MessageEncoder, hops?: bigint): Uint8Array {
  const src = received.source;
  if (src === undefined)
    throw new SoapError("invalid-argument", "the message was not received by an encoder");
  const hopsHeader = findHops(received);
  if (hops !== undefined && hopsHeader === undefined) {
    throw new SoapError("missing-element", "the message has no Hops header to change", {
      path: "Envelope/Header/Hops",
    });
  }
  if (src.kind === "text" && target instanceof TextMessageEncoder) {
    return relayText(src.text ?? "", hopsHeader, hops);
  }
  if (src.kind === "binary" && target instanceof BinaryMessageEncoder) {
    return relayBinary(src.bytes, src.documentStart, src.session, target, hopsHeader, hops);
  }
  return relaySlow(received, target, hops);
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
function hopsFragment(hops: bigint): Uint8Array {
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
  hopsHeader: ReceivedHeader | undefined,
  hops: bigint | undefined,
): Uint8Array {
  const span = hops !== undefined ? hopsHeader?.span : undefined;
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
    const doc = remapSessionStrings(bytes, documentStart, from, stage, span, replacement);
    if (to === undefined) return doc;
    const table = encodeStringTable(staged);
    for (const s of staged) to.add(s);
    const out = new Uint8Array(table.length + doc.length);
    out.set(table, 0);
    out.set(doc, table.length);
    return out;
  });
}

/** Cross-encoding relay: decode the received bytes again and re-encode node by node. */
function relaySlow(
  received: Message,
  target: MessageEncoder,
  hops: bigint | undefined,
): Uint8Array {
  const src = received.source!;
  let again: Message;
  if (src.kind === "text") {
    again = new TextMessageEncoder({
      version: received.version,
      quotas: { maxDocumentSize: 0x7fffffff },
    }).decodeString(src.text ?? "");
  } else {
    // Re-read under the same incoming strings: an empty StringTable, then the document.
    const copy = new Uint8Array(1 + src.bytes.length - src.documentStart);
    copy.set(src.bytes.subarray(src.documentStart), 1);
    const dec = new BinaryMessageEncoder({
      version: received.version,
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
