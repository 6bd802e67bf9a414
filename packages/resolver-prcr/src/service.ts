import { EventEmitter } from "node:events";
import type { Message } from "@prch/soap";
import {
  type ListenerTls,
  MessageChannel,
  type NetTcpConnection,
  NetTcpListener,
  TransportError,
} from "@prch/transport-node";
import { ResolverError } from "./errors.js";
import {
  type ResolverCounters,
  ResolverServiceCore,
  type ResolverServiceOptions,
} from "./service-core.js";
import {
  type ConnectionState,
  type DispatcherCounters,
  ResolverDispatcher,
  type ResolverDispatcherOptions,
} from "./service-dispatch.js";
import type { StoreStats } from "./store.js";

/** Options of {@link ResolverService}. */
export interface ResolverServiceHostOptions
  extends ResolverServiceOptions,
    Omit<ResolverDispatcherOptions, "now"> {
  /** Address to listen on. Default `127.0.0.1`; `::` or `0.0.0.0` serve every interface. */
  readonly host?: string;
  /** Port; 0 lets the OS choose. Default 8089. */
  readonly port?: number;
  /** Path printed in {@link ResolverService.address}. Requests addressed to any path are served. */
  readonly path?: string;
  /** Secure every session with the `application/ssl-tls` upgrade. */
  readonly tls?: ListenerTls;
  /** Concurrent sessions. Default 1024. */
  readonly maxSessions?: number;
  /** Requests processed at once on one connection; reading pauses above it. Default 8. */
  readonly maxConcurrentRequests?: number;
  /** Largest envelope the framing layer accepts. Default: `maxRequestBytes` (65536). */
  readonly maxMessageSize?: number;
  /** How long {@link ResolverService.close} waits for requests in progress. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
  /** Whether {@link ResolverService.close} also closes the store. Default true. */
  readonly closeStore?: boolean;
}

/** A structured log entry of the service. */
export interface ResolverLogEntry {
  /** Severity. */
  readonly level: "debug" | "info" | "warn" | "error";
  /** What happened, short and fixed (fields carry the details). */
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Events of {@link ResolverService}. */
export interface ResolverServiceEvents {
  log: [entry: ResolverLogEntry];
}

/** Everything the service counts, for `--stats` style reporting. */
export interface ResolverServiceCounters {
  /** Per-operation requests and faults, records registered/unregistered/expired (the core's). */
  readonly operations: ResolverCounters;
  /** Replies, faults and refusals on the wire (the dispatcher's). */
  readonly wire: DispatcherCounters;
  /** Sessions accepted, open now, rejected before ready, and ended by an error. */
  readonly connections: {
    readonly accepted: number;
    readonly open: number;
    readonly rejected: number;
    readonly aborted: number;
  };
  /** Maintenance sweeps run and failed. */
  readonly maintenance: { readonly runs: number; readonly failures: number };
}

interface Conn {
  readonly channel: MessageChannel;
  readonly state: ConnectionState;
  inFlight: number;
  paused: boolean;
  /** Over its request rate: finish what is in progress, then drop. */
  aborting: boolean;
}

/**
 * The resolver service on net.tcp (MC-PRCR over MC-NMF duplex sessions with the binary session
 * encoding, optional TLS): a {@link NetTcpListener} that accepts any Via on its port, a
 * {@link ResolverDispatcher} per service, and the maintenance sweep every minute
 * (MC-PRCR §3.2.6.1).
 */
export class ResolverService extends EventEmitter<ResolverServiceEvents> {
  /** The service behaviour and its store. */
  readonly core: ResolverServiceCore;
  /** The wire half: messages in, replies and faults out. */
  readonly dispatcher: ResolverDispatcher;
  readonly #listener: NetTcpListener;
  readonly #options: ResolverServiceHostOptions;
  readonly #conns = new Set<Conn>();
  #timer: NodeJS.Timeout | undefined;
  #state: "new" | "open" | "closing" | "closed" = "new";
  #accepted = 0;
  #rejected = 0;
  #aborted = 0;
  #runs = 0;
  #maintenanceFailures = 0;
  #maintaining = false;
  #closing: Promise<void> | undefined;

  constructor(options: ResolverServiceHostOptions = {}) {
    super();
    this.#options = options;
    this.core = new ResolverServiceCore(options);
    this.dispatcher = new ResolverDispatcher(this.core, {
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      ...(options.maxRequestBytes !== undefined
        ? { maxRequestBytes: options.maxRequestBytes }
        : {}),
      ...(options.maxRefusals !== undefined ? { maxRefusals: options.maxRefusals } : {}),
      ...(options.maxReplyBytes !== undefined ? { maxReplyBytes: options.maxReplyBytes } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
    this.#listener = new NetTcpListener({
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 8089,
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      maxSessions: options.maxSessions ?? 1024,
      maxMessageSize: options.maxMessageSize ?? this.dispatcher.maxRequestBytes,
    });
    this.#listener.on("connection", (c) => this.#accept(c));
    this.#listener.on("rejected", (e, remote) => {
      this.#rejected++;
      this.#log("debug", "connection rejected", { remote, error: e.message, code: e.code });
    });
  }

  /** Starts listening and the maintenance timer. Resolves with the bound port. */
  async listen(): Promise<number> {
    if (this.#state !== "new") throw new ResolverError("InvalidState", "listen() called twice");
    this.#state = "open";
    let port: number;
    try {
      port = await this.#listener.listen();
    } catch (e) {
      this.#state = "closed";
      throw new ResolverError("BadConfig", `cannot listen: ${(e as Error).message}`, { cause: e });
    }
    this.#timer = setInterval(() => void this.#maintain(), this.core.maintenanceIntervalMs);
    this.#timer.unref();
    this.#log("info", "listening", { address: this.address });
    return port;
  }

  /** The bound port (0 before {@link ResolverService.listen}). */
  get port(): number {
    return this.#listener.port;
  }

  /** The net.tcp address clients use, e.g. `net.tcp://127.0.0.1:8089/resolver`. */
  get address(): string {
    const h = this.#options.host ?? "127.0.0.1";
    const host = h === "::" || h === "0.0.0.0" ? "localhost" : h.includes(":") ? `[${h}]` : h;
    const path = this.#options.path ?? "/resolver";
    return `net.tcp://${host}:${this.port}${path.startsWith("/") ? path : `/${path}`}`;
  }

  /** Counters of this instance. */
  counters(): ResolverServiceCounters {
    return {
      operations: this.core.counters(),
      wire: this.dispatcher.counters(),
      connections: {
        accepted: this.#accepted,
        open: this.#conns.size,
        rejected: this.#rejected,
        aborted: this.#aborted,
      },
      maintenance: { runs: this.#runs, failures: this.#maintenanceFailures },
    };
  }

  /** Live meshes and registrations in the store (every instance's when the store is shared). */
  stats(): Promise<StoreStats> {
    return this.core.stats();
  }

  /** Runs the maintenance sweep now (it also runs every `maintenanceIntervalMs`). */
  async maintain(): Promise<number> {
    return this.core.maintain();
  }

  /**
   * Graceful close: stop accepting, let requests in progress finish (at most `closeTimeoutMs`),
   * end every session with the NMF End handshake, stop the timer and close the store (unless
   * `closeStore` is false, e.g. for a store shared with another instance).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasOpen = this.#state === "open";
    this.#state = "closing";
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const deadline = Date.now() + (this.#options.closeTimeoutMs ?? 5000);
    // Bounded wait for requests in progress: poll every 20 ms until idle or the deadline.
    while (Date.now() < deadline && [...this.#conns].some((c) => c.inFlight > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const left = Math.max(1, deadline - Date.now());
    await Promise.race([
      Promise.allSettled([...this.#conns].map((c) => c.channel.end())),
      new Promise((r) => setTimeout(r, left).unref()),
    ]);
    for (const c of this.#conns) c.channel.abort();
    if (wasOpen) await this.#listener.close();
    if (this.#options.closeStore ?? true) await this.core.store.close();
    this.#state = "closed";
    this.#log("info", "closed", {});
  }

  #accept(connection: NetTcpConnection): void {
    if (this.#state !== "open") {
      connection.abort(new TransportError("Closed", "the resolver is closing"));
      return;
    }
    this.#accepted++;
    const channel = new MessageChannel(connection, {
      quotas: { maxDocumentSize: this.dispatcher.maxRequestBytes },
    });
    const conn: Conn = {
      channel,
      state: this.dispatcher.createConnectionState(),
      inFlight: 0,
      paused: false,
      aborting: false,
    };
    this.#conns.add(conn);
    const remote = connection.remoteAddress;
    this.#log("debug", "connection", { remote, via: connection.via });
    channel.on("message", (m) => this.#onMessage(conn, m));
    channel.once("closed", (e) => {
      this.#conns.delete(conn);
      if (e !== undefined && e.code !== "Closed") {
        this.#aborted++;
        this.#log("debug", "connection failed", { remote, error: e.message, code: e.code });
      }
    });
    connection.resumeReading();
  }

  #onMessage(conn: Conn, message: Message): void {
    const max = this.#options.maxConcurrentRequests ?? 8;
    conn.inFlight++;
    if (conn.inFlight >= max && !conn.paused) {
      conn.paused = true;
      conn.channel.pauseReading();
    }
    const before = conn.state.abort;
    const handled = this.dispatcher.handle(message, conn.state);
    if (!before && conn.state.abort) {
      // This request tipped the connection over its refusals: read nothing more, answer what is
      // already in progress, then drop the connection.
      conn.aborting = true;
      conn.channel.pauseReading();
      this.#log("warn", "dropping a connection over its request rate", {
        remote: conn.channel.connection.remoteAddress,
      });
    }
    void handled.then((reply) => {
      conn.inFlight--;
      if (reply !== null && conn.channel.isOpen) {
        try {
          conn.channel.send(reply);
        } catch (e) {
          this.#log("warn", "cannot send reply", { error: (e as Error).message });
        }
      }
      if (conn.aborting) {
        if (conn.inFlight === 0) this.#drop(conn);
        return;
      }
      if (conn.paused && conn.inFlight < max && this.#state === "open") {
        conn.paused = false;
        conn.channel.resumeReading();
      }
    });
  }

  /** Aborts a connection once the replies already sent are written (at most a second later). */
  #drop(conn: Conn): void {
    const ch = conn.channel;
    const abort = () => {
      clearTimeout(timer);
      ch.abort(new TransportError("QuotaExceeded", "request rate exceeded"));
    };
    const timer = setTimeout(abort, 1000);
    timer.unref();
    if (ch.pendingMessages === 0) abort();
    else ch.once("drain", abort);
  }

  async #maintain(): Promise<void> {
    // A slow store must not pile up sweeps.
    if (this.#maintaining || this.#state !== "open") return;
    this.#maintaining = true;
    try {
      const removed = await this.core.maintain();
      this.#runs++;
      if (removed > 0) this.#log("info", "expired registrations removed", { removed });
    } catch (e) {
      this.#maintenanceFailures++;
      this.#log("error", "maintenance failed", { error: (e as Error).message });
    } finally {
      this.#maintaining = false;
    }
  }

  #log(level: ResolverLogEntry["level"], msg: string, fields: Record<string, unknown>): void {
    if (this.listenerCount("log") > 0) this.emit("log", { level, msg, ...fields });
  }
}
