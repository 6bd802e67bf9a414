import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { PeerCertificate, TLSSocket } from "node:tls";
import {
  type BinaryEncoderOptions,
  BinaryMessageEncoder,
  type EncodedDocument,
  type Message,
  SoapError,
  WSA,
} from "@prch/soap";
import type { NetTcpConnection } from "./connection.js";
import { TransportError } from "./errors.js";

/** Options of a {@link MessageChannel}. */
export interface MessageChannelOptions {
  /** Reader quotas of the binary decoder (WCF defaults: message 65536, depth 32, string 8192…). */
  readonly quotas?: BinaryEncoderOptions["quotas"];
  /** Maximum headers in a received message (default 64). */
  readonly maxHeaders?: number;
  /** Replies outstanding at once through {@link MessageChannel.request} (default 1024). */
  readonly maxPendingRequests?: number;
}

/** Events of a {@link MessageChannel}. */
export interface MessageChannelEvents {
  /** A received message that is not a reply to one of our requests. Its body is unread. */
  message: [message: Message];
  /** Every message sent so far has been written to the socket. */
  drain: [];
  /** The link is over; `error` is set when it ended abnormally (a bad message, a reset…). */
  closed: [error: TransportError | undefined];
}

interface PendingRequest {
  readonly resolve: (m: Message) => void;
  readonly reject: (e: TransportError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * SOAP messages over one net.tcp connection: a {@link NetTcpConnection}
 * with a binary encoder whose MC-NBFSE session dictionaries (one per
 * direction) live as long as the connection (NMF known encoding 0x08,
 * WINDOWS-NOTES §1.1). Adds request/reply correlation by MessageID and
 * RelatesTo for the resolver.
 *
 * A message that cannot be decoded aborts the link with `DecodeFailed`:
 * after a bad document the session dictionary can no longer be trusted. So
 * does a `message` handler that throws a `SoapError` (a malformed body, read
 * lazily); any other exception from a handler aborts the link with
 * `HandlerFailed` instead of escaping into the socket's event loop.
 */
export class MessageChannel extends EventEmitter<MessageChannelEvents> {
  /** The connection underneath. */
  readonly connection: NetTcpConnection;
  /** The encoder of this link; relayed floods must be encoded with it (see `encodeRelay`). */
  readonly encoder: BinaryMessageEncoder;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly maxPendingRequests: number;
  private interceptor: ((payload: Uint8Array) => boolean) | undefined;

  constructor(connection: NetTcpConnection, options: MessageChannelOptions = {}) {
    super();
    this.connection = connection;
    this.maxPendingRequests = options.maxPendingRequests ?? 1024;
    this.encoder = new BinaryMessageEncoder({
      session: true,
      ...(options.quotas !== undefined ? { quotas: options.quotas } : {}),
      ...(options.maxHeaders !== undefined ? { maxHeaders: options.maxHeaders } : {}),
    });
    connection.on("envelope", (payload) => this.onEnvelope(payload));
    connection.on("drain", () => this.emit("drain"));
    connection.once("closed", (e) => this.onClosed(e));
  }

  /** Messages not yet taken by the kernel (for the mesh's throttle). */
  get pendingMessages(): number {
    return this.connection.pendingMessages;
  }

  /** Bytes in the socket's write buffer. */
  get writableLength(): number {
    return this.connection.writableLength;
  }

  /** Requests waiting for their reply. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** True while the link can send. */
  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  /** The TLS socket, when the link is secured. */
  get tlsSocket(): TLSSocket | undefined {
    return this.connection.tlsSocket;
  }

  /** The peer's TLS certificate, when the link is secured. */
  get peerCertificate(): PeerCertificate | undefined {
    return this.connection.peerCertificate;
  }

  /** Resolves with the closing error (undefined after a clean close). */
  get closed(): Promise<TransportError | undefined> {
    return this.connection.closed;
  }

  /** Encodes and sends one message. Returns the pending message count. */
  send(message: Message): number {
    return this.connection.send(this.encodeOrAbort(() => this.encoder.encode(message)));
  }

  /**
   * Sends one message like {@link send} and returns the encoded document,
   * from which `encodeRelay(document, other.encoder)` makes the same
   * message for other links without serialising it again (a mesh sending
   * one message to all its neighbors).
   */
  sendRelayable(message: Message): EncodedDocument {
    const { bytes, document } = this.encodeOrAbort(() => this.encoder.encodeForRelay(message));
    this.connection.send(bytes);
    return document;
  }

  /** Runs an encode on this link's session; a failure aborts the link (see below). */
  private encodeOrAbort<T>(encode: () => T): T {
    if (!this.connection.isOpen) throw new TransportError("Closed", "the link is closed");
    try {
      return encode();
    } catch (e) {
      // The outgoing session dictionary may have taken new strings that the
      // peer will never see; the link cannot continue consistently.
      const err = new TransportError("EncodeFailed", `cannot encode: ${(e as Error).message}`, {
        cause: e,
      });
      this.connection.abort(err);
      throw err;
    }
  }

  /**
   * Sends bytes already encoded for this link's outgoing session, such as a
   * relayed flood from `encodeRelay(received, channel.encoder, hops)`. The
   * bytes are referenced until written (the same turn), so do not change them.
   */
  sendEncoded(bytes: Uint8Array): number {
    return this.connection.send(bytes);
  }

  /**
   * Sends a request and waits for the message whose RelatesTo is its
   * MessageID (a new `urn:uuid:` one is set when absent). Rejects with
   * `Timeout` after `timeoutMs`, or with the error that closed the link.
   */
  request(message: Message, timeoutMs: number): Promise<Message> {
    if (this.pending.size >= this.maxPendingRequests) {
      return Promise.reject(
        new TransportError(
          "QuotaExceeded",
          `more than ${this.maxPendingRequests} requests pending`,
        ),
      );
    }
    if (message.messageId === undefined) message.messageId = `urn:uuid:${randomUUID()}`;
    const id = message.messageId;
    if (this.pending.has(id)) {
      return Promise.reject(new TransportError("InvalidState", `request ${id} is already pending`));
    }
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new TransportError("Timeout", `no reply to ${message.action} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.send(message);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  /**
   * Sees each received envelope payload before it is decoded. When
   * `interceptor` returns true the envelope is taken care of and is not
   * decoded or emitted; false lets it through as usual. A mesh uses this
   * to drop duplicate floods after a cheap look (`scanFlood`). The
   * interceptor must leave the incoming session dictionary as a decode
   * would, so it may only take envelopes whose StringTable is empty. An
   * exception aborts the link as a failed decode (a `SoapError`) or a
   * failed handler (anything else) does. `undefined` removes it.
   */
  interceptEnvelopes(interceptor: ((payload: Uint8Array) => boolean) | undefined): void {
    this.interceptor = interceptor;
  }

  /** Stops delivering messages (and reading the socket) until {@link resumeReading}. */
  pauseReading(): void {
    this.connection.pauseReading();
  }

  /** Resumes delivery; messages held meanwhile come first. */
  resumeReading(): void {
    this.connection.resumeReading();
  }

  /** Closes gracefully (NMF End handshake). */
  end(): Promise<void> {
    return this.connection.end();
  }

  /** Closes at once. */
  abort(error?: TransportError): void {
    this.connection.abort(error);
  }

  private onEnvelope(payload: Uint8Array): void {
    if (this.interceptor !== undefined) {
      try {
        if (this.interceptor(payload)) return;
      } catch (e) {
        this.abortForHandler(e);
        return;
      }
    }
    let message: Message;
    try {
      message = this.encoder.decode(payload);
    } catch (e) {
      this.connection.abort(
        new TransportError("DecodeFailed", `undecodable message: ${(e as Error).message}`, {
          cause: e,
        }),
      );
      return;
    }
    const rel = message.relatesTo;
    if (
      rel !== undefined &&
      (rel.relationshipType === undefined || rel.relationshipType === WSA.reply10)
    ) {
      const p = this.pending.get(rel.id);
      if (p !== undefined) {
        this.pending.delete(rel.id);
        clearTimeout(p.timer);
        p.resolve(message);
        return;
      }
    }
    try {
      this.emit("message", message);
    } catch (e) {
      this.abortForHandler(e);
    }
  }

  private abortForHandler(e: unknown): void {
    // Bodies are read lazily, so a malformed body from the peer surfaces
    // in the handler as a SoapError: that is the peer's fault, and it
    // must cost the link, not the process. Any other exception is a bug
    // in the handler; it too ends only this link, with the error as cause.
    const peerFault = e instanceof SoapError;
    this.connection.abort(
      new TransportError(
        peerFault ? "DecodeFailed" : "HandlerFailed",
        `${peerFault ? "malformed message" : "message handler failed"}: ${(e as Error)?.message ?? String(e)}`,
        { cause: e },
      ),
    );
  }

  private onClosed(error: TransportError | undefined): void {
    const reason = error ?? new TransportError("Closed", "the link closed");
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(reason);
    }
    this.emit("closed", error);
  }
}
