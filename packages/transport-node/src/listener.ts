import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import {
  encodeRecord,
  FaultName,
  faultUri,
  KnownEncoding,
  Mode,
  NmfReceiver,
  UpgradeProtocol,
} from "@prch/nmf";
import { type ConnectionOptions, NetTcpConnection, type TlsUpgrade } from "./connection.js";
import { TransportError } from "./errors.js";

/** Server-side TLS of a listener: the options for `new tls.TLSSocket(…, { isServer: true })` and a check. */
export type ListenerTls = Omit<Extract<TlsUpgrade, { role: "server" }>, "role">;

/** Configuration of a {@link NetTcpListener}. */
export interface ListenerOptions {
  /**
   * Address to listen on (Windows' ListenIPAddress). Omitted: every
   * interface, IPv6 and IPv4 (`::` dual-stack, or `0.0.0.0` where the host
   * has no IPv6).
   */
  readonly host?: string;
  /** Port; 0 (default) lets the OS choose (ListenUriMode.Unique, WINDOWS-NOTES §1.1). */
  readonly port?: number;
  /** Secures every session with the `application/ssl-tls` upgrade, which then becomes mandatory. */
  readonly tls?: ListenerTls;
  /**
   * Which Vias this endpoint serves (MC-NMF §3.1.4.5); others get the
   * EndpointNotFound fault. Default: every Via.
   */
  readonly acceptVia?: (via: string) => boolean;
  /**
   * Concurrent sessions accepted; more get the ServerTooBusy fault and are closed. Default 64
   * (WINDOWS-NOTES §1.5).
   */
  readonly maxSessions?: number;
  /** Time for a new connection to finish its preamble (and TLS). Default 60 000 ms. */
  readonly preambleTimeoutMs?: number;
  /** Largest envelope accepted (MaxReceivedMessageSize). Default 65536. */
  readonly maxMessageSize?: number;
  /** Passed to every accepted {@link NetTcpConnection}. */
  readonly connection?: Pick<ConnectionOptions, "maxQueuedBytes" | "closeTimeoutMs">;
}

/** Events of a {@link NetTcpListener}. */
export interface ListenerEvents {
  /**
   * A session finished its preamble (and TLS upgrade). The connection is
   * paused: attach handlers, then call `resumeReading()`.
   */
  connection: [connection: NetTcpConnection];
  /** A connection failed before it was ready (bad preamble, TLS failure, timeout). Informational. */
  rejected: [error: TransportError, remote: string | undefined];
}

/** Connections past the session cap being refused at a time; more are reset without a word. */
const MAX_REFUSING = 64;
/** How long a refused connection may take to close after the fault. */
const REFUSE_LINGER_MS = 2000;
/** What a refused connection may send before it is reset (a preamble is far smaller). */
const REFUSE_MAX_BYTES = 4096;

/**
 * Accepts net.tcp sessions as a Peer Channel node or resolver does: NMF
 * Duplex with the binary session encoding 0x08 (WINDOWS-NOTES §1.1), the
 * `application/ssl-tls` upgrade when secured, a Via check, and limits on
 * sessions, preamble time and message size. Misbehaving peers only ever
 * cost their own connection.
 */
export class NetTcpListener extends EventEmitter<ListenerEvents> {
  private readonly options: ListenerOptions;
  private readonly server: Server;
  private readonly live = new Set<NetTcpConnection>();
  private readonly sockets = new Set<Socket>();
  /** Connections past the session cap, being told ServerTooBusy. */
  private readonly refusing = new Set<Socket>();
  private listening = false;

  constructor(options: ListenerOptions = {}) {
    super();
    this.options = options;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on("error", () => {});
  }

  /** Starts listening. Resolves with the bound port. */
  async listen(): Promise<number> {
    if (this.listening) return this.port;
    const port = this.options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new TransportError("ListenFailed", `invalid port ${port}`);
    if (this.options.host !== undefined) {
      await this.bind({ host: this.options.host, port });
    } else {
      try {
        await this.bind({ host: "::", port, ipv6Only: false });
      } catch (e) {
        // No IPv6 on this host: every IPv4 interface instead.
        const code = (e as TransportError).cause as NodeJS.ErrnoException | undefined;
        if (code?.code !== "EAFNOSUPPORT" && code?.code !== "EADDRNOTAVAIL") throw e;
        await this.bind({ host: "0.0.0.0", port });
      }
    }
    this.listening = true;
    return this.port;
  }

  private bind(opts: { host: string; port: number; ipv6Only?: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        this.server.off("listening", onListening);
        reject(
          new TransportError(
            "ListenFailed",
            `cannot listen on ${opts.host}:${opts.port}: ${e.message}`,
            {
              cause: e,
            },
          ),
        );
      };
      const onListening = () => {
        this.server.off("error", onError);
        resolve();
      };
      this.server.once("error", onError);
      this.server.once("listening", onListening);
      this.server.listen(opts);
    });
  }

  /** The bound port (0 before {@link listen}). */
  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === "object" ? a.port : 0;
  }

  /** The bound address (`::`, `0.0.0.0` or the configured host). */
  get address(): string | undefined {
    const a = this.server.address();
    return a !== null && typeof a === "object" ? a.address : undefined;
  }

  /** Sessions currently open (ready or still in their preamble). */
  get sessionCount(): number {
    return this.sockets.size;
  }

  /** Ready connections that have not closed yet. */
  get connections(): readonly NetTcpConnection[] {
    return [...this.live];
  }

  /** Stops listening and aborts every session. */
  async close(): Promise<void> {
    const closing = new Promise<void>((res) => {
      if (!this.server.listening) res();
      else this.server.close(() => res());
    });
    // Ready connections first, so their owners learn why; then whatever is still in its preamble.
    for (const c of this.live) c.abort(new TransportError("Closed", "the listener closed"));
    for (const s of this.sockets) s.destroy();
    for (const s of this.refusing) s.destroy();
    this.listening = false;
    await closing;
  }

  /**
   * Tells a connection past the session cap why it is refused: the ServerTooBusy fault (MC-NMF
   * §2.2.5; WCF clients raise ServerTooBusyException), not a bare reset. The fault goes out at
   * once: an initiator reads only after sending its preamble, so it waits in its buffer. Then we
   * half-close and discard what the peer sends until it closes: closing with its preamble unread
   * would reset the connection, and a reset can destroy the fault in the peer's receive buffer
   * before it is read. Bounded in time, bytes and number; past those, the socket is destroyed.
   */
  private refuse(socket: Socket): void {
    if (this.refusing.size >= MAX_REFUSING) {
      socket.destroy();
      return;
    }
    this.refusing.add(socket);
    let read = 0;
    const timer = setTimeout(() => socket.destroy(), REFUSE_LINGER_MS);
    timer.unref();
    socket.once("close", () => {
      clearTimeout(timer);
      this.refusing.delete(socket);
    });
    socket.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read > REFUSE_MAX_BYTES) socket.destroy();
    });
    socket.end(encodeRecord({ type: "fault", fault: faultUri(FaultName.ServerTooBusy) }));
  }

  private accept(socket: Socket): void {
    socket.on("error", () => {});
    const max = this.options.maxSessions ?? 64;
    if (this.sockets.size >= max) {
      this.refuse(socket);
      this.emit(
        "rejected",
        new TransportError("QuotaExceeded", `more than ${max} concurrent sessions`),
        socket.remoteAddress,
      );
      return;
    }
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const secured = this.options.tls !== undefined;
    const session = new NmfReceiver({
      modes: [Mode.Duplex],
      encodings: [KnownEncoding.Soap12BinarySession],
      upgrades: secured ? [UpgradeProtocol.SslTls] : [],
      ...(this.options.acceptVia !== undefined ? { acceptVia: this.options.acceptVia } : {}),
      maxMessageSize: this.options.maxMessageSize ?? 65536,
      // Socket chunks are never reused and sent payloads are not changed: no copies.
      shareBuffers: true,
    });
    const conn = new NetTcpConnection(socket, session, {
      ...(this.options.tls !== undefined ? { tls: { role: "server", ...this.options.tls } } : {}),
      handshakeTimeoutMs: this.options.preambleTimeoutMs ?? 60_000,
      ...this.options.connection,
    });
    const remote = socket.remoteAddress;
    // Synchronously on "ready": envelopes decoded from the same read would
    // otherwise be delivered before anyone listens. The connection is handed
    // over paused; the owner resumes it once its handlers are attached.
    conn.once("ready", () => {
      conn.pauseReading();
      this.live.add(conn);
      conn.once("closed", () => this.live.delete(conn));
      this.emit("connection", conn);
    });
    conn.ready.catch((e: TransportError) => this.emit("rejected", e, remote));
  }
}
