import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import * as tls from "node:tls";
import {
  type NmfError,
  type NmfEvent,
  NmfInitiator,
  type NmfSession,
  UpgradeProtocol,
} from "@prch/nmf";
import { TransportError } from "./errors.js";

/** How a connection performs the `application/ssl-tls` upgrade (MC-NMF §2.2.3.5). */
export type TlsUpgrade =
  | {
      /** Initiator: `tls.connect({ socket })` over the NMF connection. */
      readonly role: "client";
      readonly options: tls.ConnectionOptions;
      /**
       * Runs once the TLS handshake is done and before any framing record
       * goes through it; throw to refuse the peer (its certificate, say).
       */
      readonly verify?: (socket: tls.TLSSocket) => void;
    }
  | {
      /** Receiver: `new tls.TLSSocket(socket, { isServer: true })`. */
      readonly role: "server";
      readonly options: tls.TlsOptions;
      /**
       * Runs after the handshake. A stand-alone server TLSSocket does not act
       * on `rejectUnauthorized`, so this is where certificates are checked.
       */
      readonly verify?: (socket: tls.TLSSocket) => void;
    };

/** Options of a {@link NetTcpConnection}. */
export interface ConnectionOptions {
  /**
   * TLS upgrade. On a receiver it also makes the upgrade mandatory: a peer
   * that ends its preamble without upgrading is dropped.
   */
  readonly tls?: TlsUpgrade;
  /**
   * The preamble (and upgrade) must finish within this time, or the
   * connection is aborted with `ConnectTimeout`. Default 60 000 ms
   * (PeerTransportConstants.ConnectTimeout, WINDOWS-NOTES §1.4).
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * Hard limit on bytes accepted for sending but not yet taken by the
   * kernel. A peer that never reads would otherwise make us buffer without
   * bound; past this the connection is aborted with `QuotaExceeded`.
   * Default 64 MiB. The mesh throttles long before (WINDOWS-NOTES §1.5).
   */
  readonly maxQueuedBytes?: number;
  /** How long {@link NetTcpConnection.end} waits for the peer's End record. Default 10 000 ms. */
  readonly closeTimeoutMs?: number;
}

/** Events of a {@link NetTcpConnection}. */
export interface ConnectionEvents {
  /** The preamble (and TLS upgrade) is done; envelopes may flow. */
  ready: [];
  /** One whole envelope payload (MC-NMF sized envelope). */
  envelope: [payload: Uint8Array];
  /** Every message handed to {@link NetTcpConnection.send} so far has been written to the socket. */
  drain: [];
  /** The connection is over; `error` is set when it ended abnormally. Emitted once. */
  closed: [error: TransportError | undefined];
}

type Stream = Socket | tls.TLSSocket;

/**
 * One net.tcp connection: a socket (then, after `application/ssl-tls`, its
 * TLS socket) driven by an NMF duplex session (MC-NMF §3). Bytes from the
 * socket go into the session; the session's output goes to the socket,
 * gathered into one write per event-loop turn so floods to many messages
 * cost one syscall. The number of messages not yet taken by the kernel is
 * available for throttling ({@link pendingMessages}).
 *
 * Nothing the peer sends can throw out of this class: garbage, oversize
 * records, faults, TLS failures and resets all end the connection with a
 * {@link TransportError} in the `closed` event.
 */
export class NetTcpConnection extends EventEmitter<ConnectionEvents> {
  /** The NMF session this connection drives. */
  readonly session: NmfSession;
  /** Resolves when the preamble is done; rejects with the error that closed the connection first. */
  readonly ready: Promise<void>;
  /** Resolves (never rejects) with the closing error, or undefined after a clean close. */
  readonly closed: Promise<TransportError | undefined>;

  private readonly raw: Socket;
  private stream: Stream;
  private secure: tls.TLSSocket | undefined;
  private readonly options: ConnectionOptions;
  private isReady = false;
  private isClosed = false;
  private closeError: TransportError | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (e: TransportError) => void;
  private resolveClosed!: (e: TransportError | undefined) => void;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private flushScheduled: NodeJS.Immediate | undefined;
  /** Messages in the session output, not yet written. */
  private unflushedMessages = 0;
  /** Messages written to the stream whose write callback has not run. */
  private inFlightMessages = 0;
  private paused = false;
  private backlog: NmfEvent[] = [];
  private upgrading = false;
  private sentEnd = false;
  private receivedEnd = false;
  private readonly handlers: {
    data: (b: Buffer) => void;
    end: () => void;
    error: (e: Error) => void;
    close: () => void;
  };

  /**
   * Takes over a connected socket. An `NmfInitiator` that has not
   * started yet is started here; an `NmfReceiver` waits for the peer.
   */
  constructor(socket: Socket, session: NmfSession, options: ConnectionOptions = {}) {
    super();
    this.raw = socket;
    this.stream = socket;
    this.session = session;
    this.options = options;
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    // Callers that only watch `closed` must not see an unhandled rejection.
    this.ready.catch(() => {});
    this.closed = new Promise((res) => {
      this.resolveClosed = res;
    });
    this.handlers = {
      data: (b) => this.onData(b),
      end: () => this.onEof(),
      error: (e) => this.onStreamError(e),
      close: () => this.onStreamClose(),
    };
    socket.setNoDelay(true);
    this.attach(socket);
    const timeout = options.handshakeTimeoutMs ?? 60_000;
    this.handshakeTimer = setTimeout(() => {
      this.abort(
        new TransportError(
          "ConnectTimeout",
          `the net.tcp preamble did not complete within ${timeout} ms`,
        ),
      );
    }, timeout);
    this.handshakeTimer.unref?.();
    if (socket.destroyed) {
      queueMicrotask(() =>
        this.abort(new TransportError("Closed", "the socket is already closed")),
      );
      return;
    }
    if (session instanceof NmfInitiator && session.state === "idle") {
      this.run(() => session.start());
    }
  }

  /** True once the preamble is complete and the connection not closed. */
  get isOpen(): boolean {
    return this.isReady && !this.isClosed;
  }

  /** The TLS socket after an `application/ssl-tls` upgrade. */
  get tlsSocket(): tls.TLSSocket | undefined {
    return this.secure;
  }

  /** The certificate the peer presented in TLS, if any. */
  get peerCertificate(): tls.PeerCertificate | undefined {
    const c = this.secure?.getPeerCertificate();
    return c && Object.keys(c).length > 0 ? c : undefined;
  }

  /** The NMF Via of this session. */
  get via(): string | undefined {
    return this.session.via;
  }

  /** The peer's address and port as the socket sees them. */
  get remoteAddress(): { address: string; port: number } | undefined {
    const a = this.raw.remoteAddress;
    const p = this.raw.remotePort;
    return a === undefined || p === undefined ? undefined : { address: a, port: p };
  }

  /** The local address and port of the socket. */
  get localAddress(): { address: string; port: number } | undefined {
    const a = this.raw.localAddress;
    const p = this.raw.localPort;
    return a === undefined || p === undefined ? undefined : { address: a, port: p };
  }

  /**
   * Messages handed to {@link send} that the kernel has not taken yet
   * (queued here or in the socket's buffer). Feeds the mesh's throttle
   * (WINDOWS-NOTES §1.5).
   */
  get pendingMessages(): number {
    return this.unflushedMessages + this.inFlightMessages;
  }

  /** Bytes waiting in the socket's write buffer (plus the TLS layer's, after an upgrade). */
  get writableLength(): number {
    return this.stream.writableLength + (this.secure ? this.raw.writableLength : 0);
  }

  /**
   * Queues one envelope payload. It is written with everything else sent in
   * the same event-loop turn, and referenced (not copied) until then, so do
   * not change it afterwards. Returns {@link pendingMessages}.
   */
  send(payload: Uint8Array): number {
    if (this.isClosed)
      throw new TransportError("Closed", "the connection is closed", { cause: this.closeError });
    if (!this.isReady || !this.session.sendAllowed)
      throw new TransportError("InvalidState", "the connection cannot send now");
    try {
      this.session.sendEnvelope(payload);
    } catch (e) {
      throw new TransportError("InvalidState", `cannot send: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.unflushedMessages++;
    this.scheduleFlush();
    return this.pendingMessages;
  }

  /** Stops reading from the socket; envelopes already decoded are held until {@link resumeReading}. */
  pauseReading(): void {
    this.paused = true;
    this.stream.pause();
  }

  /** Resumes reading (and delivers held envelopes first). */
  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.backlog;
    this.backlog = [];
    this.dispatch(held);
    if (!this.paused && !this.isClosed && !this.upgrading) this.stream.resume();
  }

  /**
   * Closes gracefully: sends End (MC-NMF §2.2.3.9), waits for the peer's
   * End (at most `closeTimeoutMs`), then closes the socket. Resolves when
   * the connection is closed.
   */
  async end(): Promise<void> {
    if (this.isClosed) return;
    // The peer's End has to be read; held envelopes are delivered first.
    this.resumeReading();
    if (!this.isReady) {
      this.abort(new TransportError("Closed", "closed before the preamble completed"));
      return;
    }
    if (!this.sentEnd && this.session.sendAllowed) {
      this.sentEnd = true;
      this.run(() => this.session.end());
    }
    if (!this.isClosed && this.closeTimer === undefined) {
      const t = this.options.closeTimeoutMs ?? 10_000;
      this.closeTimer = setTimeout(() => {
        // The peer never answered End; the session is over for us anyway.
        this.finish(undefined);
      }, t);
      this.closeTimer.unref?.();
    }
    await this.closed;
  }

  /** Closes at once without the End handshake. `error` (default `Closed`) goes to `closed`. */
  abort(error?: TransportError): void {
    if (this.isClosed) return;
    this.session.close();
    this.finish(error ?? new TransportError("Closed", "the connection was aborted"), true);
  }

  // ---------------------------------------------------------------------------

  private attach(s: Stream): void {
    s.on("data", this.handlers.data);
    s.on("end", this.handlers.end);
    s.on("error", this.handlers.error);
    s.on("close", this.handlers.close);
  }

  private detach(s: Stream): void {
    s.off("data", this.handlers.data);
    s.off("end", this.handlers.end);
    s.off("error", this.handlers.error);
    s.off("close", this.handlers.close);
  }

  /** Runs a session call, handles its events and writes its output. */
  private run(call: () => NmfEvent[]): void {
    let events: NmfEvent[];
    try {
      events = call();
    } catch (e) {
      this.abort(
        new TransportError("ProtocolError", `framing failed: ${(e as Error).message}`, {
          cause: e,
        }),
      );
      return;
    }
    this.dispatch(events);
    this.flush();
  }

  private onData(bytes: Buffer): void {
    if (this.isClosed) return;
    this.run(() => this.session.receive(bytes));
  }

  private onEof(): void {
    if (this.isClosed) return;
    this.run(() => this.session.receiveEof());
    if (!this.isClosed) {
      // EOF with a session still open for reading is not an error yet only
      // when we have seen the peer's End; the session decides that above.
      this.finish(new TransportError("Closed", "the peer closed the connection"));
    }
  }

  private onStreamError(e: Error): void {
    if (this.isClosed) return;
    const code = (e as NodeJS.ErrnoException).code;
    const tlsFailure =
      this.upgrading ||
      (typeof code === "string" && (code.startsWith("ERR_SSL") || code.includes("TLS")));
    this.session.close();
    this.finish(
      new TransportError(
        tlsFailure ? "SecurityFailed" : "IoError",
        `${tlsFailure ? "TLS" : "socket"} error: ${e.message}`,
        { cause: e },
      ),
      true,
    );
  }

  private onStreamClose(): void {
    if (this.isClosed || this.upgrading) return;
    this.session.close();
    this.finish(new TransportError("Closed", "the socket closed"), true);
  }

  private dispatch(events: readonly NmfEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (this.paused && e.type === "envelope") {
        this.backlog.push(...events.slice(i));
        return;
      }
      this.handle(e);
      if (this.isClosed && e.type !== "closed") {
        // A listener aborted us; the rest is moot.
        return;
      }
    }
  }

  private handle(e: NmfEvent): void {
    switch (e.type) {
      case "upgradeAccepted":
      case "upgradeRequested":
        // One TLS layer only: a second ssl-tls upgrade request is a protocol breach.
        if (
          e.protocol !== UpgradeProtocol.SslTls ||
          this.options.tls === undefined ||
          this.secure !== undefined
        ) {
          this.abort(new TransportError("ProtocolError", `unexpected upgrade ${e.protocol}`));
          return;
        }
        this.startTls(this.options.tls);
        return;
      case "preambleComplete":
        if (
          this.session.role === "receiver" &&
          this.options.tls !== undefined &&
          this.secure === undefined
        ) {
          // A secured endpoint must not be reached in the clear: the peer
          // skipped the upgrade. Drop the queued Preamble Ack and close.
          this.session.close();
          this.finish(
            new TransportError("SecurityFailed", "the peer did not upgrade to TLS"),
            true,
          );
          return;
        }
        this.isReady = true;
        this.clearHandshakeTimer();
        this.resolveReady();
        this.emit("ready");
        return;
      case "envelope":
        this.emit("envelope", e.payload);
        return;
      case "end":
        this.receivedEnd = true;
        // The peer is closing the session: answer with our End so it closes cleanly.
        if (!this.sentEnd && this.session.sendAllowed) {
          this.sentEnd = true;
          this.dispatch(this.session.end());
        }
        return;
      case "fault":
        this.finish(
          new TransportError("SessionFault", `the peer sent the fault ${e.fault}`, {
            fault: e.fault,
          }),
        );
        return;
      case "error":
        this.finish(errorFromNmf(e.error));
        return;
      case "closed":
        // After an End either way, the transport closing ends the session
        // normally (MC-NMF §3.1.7.1); Mono's WCF, for one, closes the socket
        // on our End without sending its own.
        if (e.clean || this.sentEnd || this.receivedEnd) this.finish(undefined);
        else if (!this.isClosed)
          this.finish(new TransportError("ProtocolError", "the session closed abnormally"));
        return;
    }
  }

  private startTls(upgrade: TlsUpgrade): void {
    this.upgrading = true;
    // The Upgrade Response (receiver) must reach the wire in the clear, ahead
    // of any TLS record; wait until the socket has taken it.
    const out = this.session.hasOutput ? this.session.takeOutput() : undefined;
    const raw = this.raw;
    this.detach(raw);
    raw.pause();
    // A raw-socket failure during the upgrade still has to end us.
    raw.on("error", this.handlers.error);
    const early = this.session.takeUnconsumed();
    if (early.length > 0) raw.unshift(Buffer.from(early));
    const begin = () => {
      if (this.isClosed) return;
      let secure: tls.TLSSocket;
      try {
        secure =
          upgrade.role === "client"
            ? tls.connect({ ...upgrade.options, socket: raw })
            : new tls.TLSSocket(raw, { ...upgrade.options, isServer: true });
      } catch (e) {
        this.abort(
          new TransportError("SecurityFailed", `TLS setup failed: ${(e as Error).message}`, {
            cause: e,
          }),
        );
        return;
      }
      this.secure = secure;
      this.stream = secure;
      secure.on("error", this.handlers.error);
      secure.on("close", this.handlers.close);
      let done = false;
      const onSecure = () => {
        if (done || this.isClosed) return;
        done = true;
        try {
          upgrade.verify?.(secure);
        } catch (e) {
          this.abort(
            new TransportError("SecurityFailed", `peer refused: ${(e as Error).message}`, {
              cause: e,
            }),
          );
          return;
        }
        this.upgrading = false;
        raw.off("error", this.handlers.error);
        secure.off("error", this.handlers.error);
        secure.off("close", this.handlers.close);
        this.attach(secure);
        if (this.paused) secure.pause();
        this.run(() => this.session.upgradeComplete());
      };
      secure.once(upgrade.role === "client" ? "secureConnect" : "secure", onSecure);
    };
    if (out !== undefined && out.length > 0) {
      raw.write(out, (err) => {
        if (err) this.onStreamError(err);
        else begin();
      });
    } else begin();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled !== undefined) return;
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = undefined;
      this.flush();
    });
  }

  /** Writes everything the session has queued, as one buffer. */
  private flush(): void {
    if (this.upgrading || this.isClosed || !this.session.hasOutput) return;
    const bytes = this.session.takeOutput();
    const count = this.unflushedMessages;
    this.unflushedMessages = 0;
    this.inFlightMessages += count;
    const limit = this.options.maxQueuedBytes ?? 64 * 1024 * 1024;
    if (this.writableLength + bytes.length > limit) {
      this.inFlightMessages -= count;
      this.abort(
        new TransportError(
          "QuotaExceeded",
          `the peer is not reading: more than ${limit} bytes queued for sending`,
        ),
      );
      return;
    }
    const stream = this.stream;
    if (stream.destroyed || !stream.writable) {
      this.inFlightMessages -= count;
      return;
    }
    stream.write(bytes, () => {
      // Runs on success and on failure (with an error); both take the messages off the count.
      this.inFlightMessages -= count;
      if (count > 0 && this.pendingMessages === 0 && !this.isClosed) this.emit("drain");
    });
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== undefined) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
    }
  }

  /** Ends the connection once; `hard` destroys the socket instead of ending it. */
  private finish(reason: TransportError | undefined, hard = false): void {
    if (this.isClosed) return;
    let error = reason;
    if (
      error !== undefined &&
      !this.isReady &&
      this.secure !== undefined &&
      (error.code === "Closed" ||
        error.code === "IoError" ||
        (error.cause instanceof Error &&
          (error.cause as { code?: unknown }).code === "unexpected-eof"))
    ) {
      // With TLS 1.3 the client finishes its handshake before the server has
      // judged the client certificate; a server that refuses us then just
      // closes. Before the preamble is done, that is a security failure.
      error = new TransportError("SecurityFailed", `secured preamble failed: ${error.message}`, {
        cause: error,
      });
    }
    this.isClosed = true;
    this.closeError = error;
    this.clearHandshakeTimer();
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    if (this.flushScheduled !== undefined) {
      clearImmediate(this.flushScheduled);
      this.flushScheduled = undefined;
    }
    // Last words (a fault the session queued, our End) go out before closing.
    if (!hard && this.session.hasOutput && !this.upgrading) {
      const stream = this.stream;
      if (!stream.destroyed && stream.writable) stream.write(this.session.takeOutput());
    }
    const stream = this.stream;
    if (hard || this.upgrading) {
      stream.destroy();
      if (stream !== this.raw) this.raw.destroy();
    } else {
      stream.end();
      // A peer that never closes its side must not keep the socket alive.
      const t = setTimeout(() => {
        stream.destroy();
        this.raw.destroy();
      }, 2_000);
      t.unref?.();
      stream.once("close", () => clearTimeout(t));
    }
    // Swallow late errors from sockets we are done with.
    stream.on("error", () => {});
    this.raw.on("error", () => {});
    this.unflushedMessages = 0;
    if (!this.isReady) {
      this.rejectReady(
        error ??
          new TransportError("Closed", "the connection closed before the preamble completed"),
      );
    }
    this.emit("closed", error);
    this.resolveClosed(error);
  }
}

/** Maps a framing error to a transport error code. */
function errorFromNmf(e: NmfError): TransportError {
  const quota =
    e.code === "message-too-large" ||
    e.code === "via-too-long" ||
    e.code === "content-type-too-long" ||
    e.code === "upgrade-name-too-long" ||
    e.code === "fault-too-long" ||
    e.code === "size-too-large";
  // A peer that vanishes mid-session is a closed link, not a protocol breach.
  if (e.code === "unexpected-eof")
    return new TransportError("Closed", `the peer closed the connection: ${e.message}`, {
      cause: e,
    });
  return new TransportError(quota ? "QuotaExceeded" : "ProtocolError", e.message, { cause: e });
}
