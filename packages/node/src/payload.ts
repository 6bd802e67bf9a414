import {
  type BinaryMessageEncoder,
  encodeRelay,
  type Message,
  type MessageEncoder,
  type ScanLimits,
  type ScannedFlood,
  scanBinaryBody,
} from "@prch/soap";
import type { MessageChannel } from "@prch/transport-node";
import { ReceivedMessage } from "./message.js";

/**
 * What a flood message carries through the engine: the application's own
 * message, a received one that was decoded, or a received one that was only
 * scanned (`scanFlood`). Most received copies are duplicates that the
 * engine drops (MC-PRCH §3.1.5.9.1.1); a scanned copy is decoded only when
 * it is delivered, and relayed from its bytes without a decode at all.
 */
export class FloodPayload {
  private constructor(
    private decoded: Message | undefined,
    private readonly scanned: ScannedFlood | undefined,
    private readonly decoder: BinaryMessageEncoder | undefined,
    /** The link a scanned flood came in on (aborted if its document proves malformed). */
    readonly origin: MessageChannel | undefined,
    private readonly limits: ScanLimits | undefined,
  ) {}

  /** A message this node sends, or a received one already decoded (it has a `source`). */
  static of(message: Message): FloodPayload {
    return new FloodPayload(message, undefined, undefined, undefined, undefined);
  }

  /**
   * A received flood known from a scan; `decoder` is the link's encoder,
   * whose incoming session the document's string ids refer to.
   */
  static scanned(
    scan: ScannedFlood,
    decoder: BinaryMessageEncoder,
    origin: MessageChannel,
    limits?: ScanLimits,
  ): FloodPayload {
    return new FloodPayload(undefined, scan, decoder, origin, limits);
  }

  /** True for a message this node originated (it has no received bytes to relay). */
  get isOwn(): boolean {
    return this.scanned === undefined && this.decoded?.source === undefined;
  }

  /**
   * The SOAP message, decoded on first use for a scanned flood. Throws a
   * `SoapError` when the document turns out to be malformed beyond its
   * headers. (A scanned document's StringTable is empty, so decoding it
   * later leaves the link's session as it is.)
   */
  message(): Message {
    if (this.decoded === undefined) {
      this.decoded = this.decoder!.decode(this.scanned!.source.bytes);
    }
    return this.decoded;
  }

  /**
   * What a channel delivers. A scanned flood is decoded only up to its body
   * (the headers are known); the full message waits until the application
   * asks for it. Throws a `SoapError` when the document is malformed.
   */
  toReceived(size: number): ReceivedMessage {
    const scan = this.scanned;
    if (scan === undefined) return new ReceivedMessage(this.message(), size);
    const decoder = this.decoder!;
    const bytes = scan.source.bytes;
    const spans = scanBinaryBody(scan, this.limits);
    // With a binary body the scan has read the document to its end, so the
    // body decode can wait until someone asks for it; otherwise it runs now,
    // so that a malformed document is refused before delivery.
    let body: () => Message;
    if (spans === undefined) {
      const decoded = decoder.decodeBody(bytes, scan.headersSpan);
      body = () => decoded;
    } else {
      body = () => decoder.decodeBody(bytes, scan.headersSpan);
    }
    return new ReceivedMessage(
      {
        via: scan.peerVia,
        action: scan.action,
        messageId: scan.messageId,
        hops: typeof scan.hops === "bigint" ? scan.hops : undefined,
        body,
        payload: spans === undefined ? undefined : () => copySpans(bytes, spans),
        decode: () => this.message(),
      },
      size,
    );
  }

  /** The received bytes encoded for `target`, with the hop count changed when given. */
  relay(target: MessageEncoder, hops?: bigint): Uint8Array {
    return encodeRelay(this.scanned ?? this.decoded!, target, hops);
  }
}

/** A copy of the bytes in `spans` (start/end pairs): the received document is not kept. */
function copySpans(bytes: Uint8Array, spans: readonly number[]): Uint8Array {
  let size = 0;
  for (let i = 0; i < spans.length; i += 2) size += spans[i + 1]! - spans[i]!;
  // Every byte is written below: no zero fill (small payloads come from Node's pool).
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < spans.length; i += 2) {
    out.set(bytes.subarray(spans[i]!, spans[i + 1]!), o);
    o += spans[i + 1]! - spans[i]!;
  }
  return out;
}
