import { randomFillSync, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  type CloseReason,
  type ConnId,
  type FloodMessage,
  type LinkUtilityMessage,
  type MeshAction,
  type MeshConfig,
  type MeshCounters,
  MeshEngine,
  type MeshEvent,
  type NeighborInfo,
  type PeerNodeAddress,
  type RandomSource,
  type TimerId,
} from "@prch/mesh-core";
import { ResolverClient } from "@prch/resolver-prcr";
import {
  type CertificateValidator,
  type NodeIdentity,
  type PeerSecurity,
  passwordSecurity,
} from "@prch/security";
import {
  addFloodHeaders,
  type EncodedDocument,
  encodeRelay,
  Message,
  NS,
  PEER_FLOODER,
  type ScanLimits,
  type ScannedFlood,
  SoapError,
  scanFlood,
} from "@prch/soap";
import {
  AddressMonitor,
  acceptPeerVia,
  dialNeighbor,
  type IpAddress,
  localAddresses,
  type MessageChannel,
  NeighborListener,
  nodeEndpointUri,
  TransportError,
} from "@prch/transport-node";
import { type ChannelHost, PeerChannel, type SendOptions } from "./channel.js";
import { PeerNodeError } from "./errors.js";
import { bodyWriterFor, type MessageBody, type ReceivedMessage } from "./message.js";
import { FloodPayload } from "./payload.js";
import { fromSoapMessage, neighborTo, type Payload, toSoapMessage } from "./wire.js";

/** How the mesh's neighbor links are secured (MC-PRCH §1.3.6, §5). */
export type NodeSecurityOptions =
  | { readonly mode: "none" }
  /** TLS with any certificate, authenticated by the mesh password (WCF's default). */
  | { readonly mode: "password"; readonly password: string; readonly identity?: NodeIdentity }
  /** Mutual TLS with certificates trusted by `validator`. */
  | {
      readonly mode: "certificate";
      readonly identity: NodeIdentity;
      readonly validator: CertificateValidator;
    };

/**
 * A discovery service. {@link ResolverClient} (MC-PRCR over net.tcp) is the
 * standard one; anything with these methods can stand in for it.
 */
export interface Resolver {
  register(meshId: string, address: PeerNodeAddress): Promise<unknown>;
  update(address: PeerNodeAddress): Promise<unknown>;
  resolve(meshId: string, maxAddresses: number): Promise<readonly PeerNodeAddress[]>;
  /** Whether referrals may be shared (MC-PRCR GetServiceSettings); undefined = yes. */
  readonly canShareReferrals?: boolean | undefined;
  close(): Promise<void>;
}

/** Options of {@link PeerNode.open}. */
export interface PeerNodeOptions {
  /** The mesh name: the host part of `net.p2p://{meshName}/…` URIs. */
  readonly meshName: string;
  /** The resolver: a net.tcp address of an MC-PRCR service, or a {@link Resolver}. */
  readonly resolver: string | Resolver;
  /** Link security; default none. */
  readonly security?: NodeSecurityOptions;
  /** Where to listen. */
  readonly listen?: {
    /**
     * Listen on this address only (Windows' ListenIPAddress) and publish it.
     * Loopback is allowed here, unlike on Windows, so meshes can run on one machine.
     */
    readonly host?: string;
    /** Port; 0 (default) lets the OS choose. */
    readonly port?: number;
    /** Publish loopback addresses too when listening on every interface (default false). */
    readonly includeLoopback?: boolean;
  };
  /** Engine settings (neighbor counts, timers, throttling); Windows' defaults otherwise. */
  readonly config?: Partial<MeshConfig>;
  /** Largest message accepted from a neighbor, bytes (MaxReceivedMessageSize, default 65536). */
  readonly maxMessageSize?: number;
  /** How often to look for address changes, ms (default 30 000; 0 disables). */
  readonly addressPollMs?: number;
  /** Randomness for NodeId and peer choice; default crypto-random. */
  readonly random?: RandomSource;
}

/** A neighbor as the application sees it. */
export interface Neighbor {
  readonly nodeId: bigint | undefined;
  readonly address: PeerNodeAddress | undefined;
  readonly initiator: boolean;
  readonly state: NeighborInfo["state"];
  /** LinkUtilityIndex, 0–4096, and how many updates it is based on. */
  readonly utility: number;
  readonly utilityUpdates: number;
  /** Messages queued on the link, not yet written. */
  readonly pending: number;
}

/** Counters of a node. */
export interface PeerNodeStats extends MeshCounters {
  readonly neighbors: number;
  readonly throttled: boolean;
  readonly messagesIn: number;
  readonly messagesOut: number;
}

/** A point-in-time view of a node, for dashboards and monitoring. */
export interface NodeSnapshot {
  readonly nodeId: bigint;
  readonly meshName: string;
  readonly address: PeerNodeAddress;
  readonly online: boolean;
  readonly neighbors: readonly Neighbor[];
  readonly stats: PeerNodeStats;
}

/**
 * What a node reports to an observer: membership changes of its links as
 * they happen. `reason` says why a link went (NotUsefulNeighbor is a prune,
 * NodeBusy a refusal, LeavingMesh a graceful departure…).
 */
export type NodeActivity =
  | { readonly type: "online" | "offline" | "closed" }
  | { readonly type: "neighborAdded"; readonly peer: bigint }
  | { readonly type: "neighborRemoved"; readonly peer: bigint; readonly reason: CloseReason }
  | { readonly type: "warning"; readonly message: string };

/** Receives a node's activity; see {@link PeerNode.observe}. */
export type NodeObserver = (activity: NodeActivity, node: PeerNode) => void;

/** Events of a {@link PeerNode}. */
export interface PeerNodeEvents {
  /** The node has its first neighbor. */
  online: [];
  /** The node lost its last neighbor. */
  offline: [];
  neighborAdded: [nodeId: bigint];
  neighborRemoved: [nodeId: bigint, reason: CloseReason];
  /** Something went wrong below that the node survived (a failed connect, a bad neighbor). */
  warning: [error: Error];
  closed: [];
}

/**
 * Cryptographically random words, drawn 256 at a time: one `randomBytes` call per word cost
 * ~20 µs per sent message (four words per MessageID GUID), more than the rest of a send.
 * The pool is CSPRNG output like each single draw was; every word is used once.
 */
const cryptoRandom: RandomSource = (() => {
  const pool = new Uint32Array(256);
  let next = pool.length;
  return {
    nextU32: () => {
      if (next === pool.length) {
        randomFillSync(pool);
        next = 0;
      }
      return pool[next++]!;
    },
  };
})();

function monotonicMs(): number {
  return performance.now();
}

/**
 * A Peer Channel node: joins the mesh named `meshName`, keeps its neighbor
 * links, floods what channels send and delivers what arrives. It wires the
 * sans-IO engine of `@prch/mesh-core` to real sockets (`@prch/transport-node`)
 * and a resolver (`@prch/resolver-prcr`).
 */
export class PeerNode extends EventEmitter<PeerNodeEvents> implements ChannelHost {
  readonly meshName: string;
  /** This node's PeerNodeAddress as published. */
  address: PeerNodeAddress;
  private readonly engine: MeshEngine<Payload>;
  private readonly security: PeerSecurity;
  private readonly listener: NeighborListener;
  private readonly resolver: Resolver;
  private readonly ownsResolver: boolean;
  private readonly monitor: AddressMonitor | undefined;
  private readonly links = new Map<ConnId, MessageChannel>();
  /**
   * Encoded LinkUtility messages per link, by Useful and Total. One goes out
   * every 32 received floods per link (MC-PRCH §3.2.4.1.1) with few distinct
   * values; once an encoding needed no new session strings, the same bytes
   * stay valid on that link's outgoing session (ids never change).
   */
  private readonly linkUtilityBytes = new WeakMap<MessageChannel, Map<number, Uint8Array>>();
  private readonly timers = new Map<TimerId, NodeJS.Timeout>();
  private readonly channels = new Map<string, PeerChannel>();
  private readonly queue: MeshEvent<Payload>[] = [];
  private readonly maxMessageSize: number;
  /** The links' decoder limits, applied by the flood scan too. */
  private readonly scanLimits: ScanLimits;
  private dispatching = false;
  private backlogScheduled = false;
  private state: "open" | "closing" | "closed" = "open";
  private messagesIn = 0;
  private messagesOut = 0;

  private constructor(
    options: PeerNodeOptions,
    parts: {
      security: PeerSecurity;
      listener: NeighborListener;
      resolver: Resolver;
      ownsResolver: boolean;
      address: PeerNodeAddress;
      monitor: AddressMonitor | undefined;
    },
  ) {
    super();
    this.meshName = options.meshName;
    this.security = parts.security;
    this.listener = parts.listener;
    this.resolver = parts.resolver;
    this.ownsResolver = parts.ownsResolver;
    this.address = parts.address;
    this.monitor = parts.monitor;
    this.maxMessageSize = options.maxMessageSize ?? 65536;
    this.scanLimits = { quotas: { maxDocumentSize: this.maxMessageSize } };
    this.engine = new MeshEngine<Payload>({
      meshName: options.meshName,
      address: parts.address,
      random: options.random ?? cryptoRandom,
      // The transport authenticates links (TLS, RST/RSTR) before the engine sees them.
      config: {
        loopback: false,
        maxMessageSize: this.maxMessageSize,
        ...options.config,
        security: { mode: "none" },
      },
    });
  }

  /** Opens a node: listens, registers with the resolver and starts looking for neighbors. */
  static async open(options: PeerNodeOptions): Promise<PeerNode> {
    if (!/^[A-Za-z0-9._-]+$/.test(options.meshName)) {
      throw new PeerNodeError(
        "InvalidArgument",
        `invalid mesh name ${JSON.stringify(options.meshName)}`,
      );
    }
    const security = await toPeerSecurity(options.security ?? { mode: "none" });
    const guid = randomUUID();
    const host = options.listen?.host;
    // The Via check needs our listen URI; its host part is not compared.
    const pathUri = nodeEndpointUri("localhost", 1, guid);
    const listener = new NeighborListener({
      security,
      to: neighborTo(options.meshName),
      ...(host !== undefined ? { host } : {}),
      port: options.listen?.port ?? 0,
      acceptVia: acceptPeerVia(pathUri),
      maxMessageSize: options.maxMessageSize ?? 65536,
      ...(options.maxMessageSize !== undefined
        ? { channel: { quotas: { maxDocumentSize: options.maxMessageSize } } }
        : {}),
    });
    const port = await listener.listen();
    const addressOptions = {
      ...(host !== undefined && host !== "::" && host !== "0.0.0.0"
        ? { listenIPAddress: host }
        : {}),
      includeLoopback: options.listen?.includeLoopback ?? false,
    };
    let ips = localAddresses(addressOptions);
    // A host with nothing but loopback still forms a mesh with itself.
    if (ips.length === 0) ips = localAddresses({ ...addressOptions, includeLoopback: true });
    const address = publishAddress(host ?? "localhost", port, guid, ips);
    let resolver: Resolver;
    let ownsResolver = false;
    if (typeof options.resolver === "string") {
      const client = new ResolverClient({ address: options.resolver });
      try {
        await client.open();
      } catch (e) {
        await listener.close();
        throw new PeerNodeError(
          "ResolverUnavailable",
          `cannot reach the resolver at ${options.resolver}`,
          {
            cause: e,
          },
        );
      }
      resolver = client;
      ownsResolver = true;
    } else {
      resolver = options.resolver;
    }
    const pollMs = options.addressPollMs ?? 30_000;
    const monitor =
      addressOptions.listenIPAddress === undefined && pollMs > 0
        ? new AddressMonitor({ ...addressOptions, intervalMs: pollMs })
        : undefined;
    const node = new PeerNode(options, {
      security,
      listener,
      resolver,
      ownsResolver,
      address,
      monitor,
    });
    listener.on("link", (ch) => node.adopt(ch, "incoming", node.engine.newConnectionId()));
    listener.on("rejected", (e) => node.emit("warning", e));
    if (monitor !== undefined) {
      monitor.on("changed", (now) => {
        if (now.length === 0) return;
        node.address = publishAddress(host ?? "localhost", port, guid, now);
        node.dispatch({ type: "addressChanged", address: node.address });
      });
      monitor.start();
    }
    node.dispatch({ type: "open" });
    return node;
  }

  /** This node's NodeId (MC-PRCH §3.1.1). */
  get nodeId(): bigint {
    return this.engine.nodeId;
  }

  /** The port the node listens on. */
  get port(): number {
    return this.listener.port;
  }

  /** True while the node has at least one connected neighbor. */
  get online(): boolean {
    return this.engine.neighbors().some((n) => n.state === "Connected");
  }

  /**
   * The channel for `uri` (`net.p2p://{meshName}/{path}`), created on first
   * use. Messages flooded to that URI are delivered to it.
   */
  channel(uri: string): PeerChannel {
    const key = uri.toLowerCase();
    let ch = this.channels.get(key);
    if (ch === undefined) {
      let u: URL;
      try {
        u = new URL(uri);
      } catch {
        throw new PeerNodeError("InvalidArgument", `not a URI: ${uri}`);
      }
      if (u.protocol !== "net.p2p:" || u.hostname.toLowerCase() !== this.meshName.toLowerCase()) {
        throw new PeerNodeError(
          "InvalidArgument",
          `channel URIs of mesh ${this.meshName} look like net.p2p://${this.meshName}/path (got ${uri})`,
        );
      }
      ch = new PeerChannel(uri, this);
      this.channels.set(key, ch);
      this.engine.addChannel({ via: uri, maxMessageSize: this.maxMessageSize });
    }
    return ch;
  }

  /** The current links and their state. */
  neighbors(): Neighbor[] {
    return this.engine.neighbors().map((n) => ({
      nodeId: n.nodeId,
      address: n.address,
      initiator: n.initiator,
      state: n.state,
      utility: n.utility,
      utilityUpdates: n.utilityUpdates,
      pending: this.links.get(n.conn)?.pendingMessages ?? 0,
    }));
  }

  /** Counters: messages in and out, duplicates dropped, throttling, neighbors… */
  stats(): PeerNodeStats {
    // Properties added to the engine's fresh copy: spreading it again is V8's slow path.
    const s = this.engine.stats() as MeshCounters & {
      neighbors?: number;
      throttled?: boolean;
      messagesIn?: number;
      messagesOut?: number;
    };
    s.neighbors = this.engine.neighborCount;
    s.throttled = this.engine.isThrottled;
    s.messagesIn = this.messagesIn;
    s.messagesOut = this.messagesOut;
    return s as PeerNodeStats;
  }

  /** Everything an observer needs to draw this node: identity, links with their utility, counters. */
  snapshot(): NodeSnapshot {
    return {
      nodeId: this.nodeId,
      meshName: this.meshName,
      address: this.address,
      online: this.online,
      neighbors: this.neighbors(),
      stats: this.stats(),
    };
  }

  /**
   * Subscribes `observer` to this node's activity (links added and removed
   * with their reasons, online/offline, warnings, close). Returns the
   * function that unsubscribes it. Pair it with {@link PeerNode.snapshot}
   * for state; no engine internals are exposed.
   */
  observe(observer: NodeObserver): () => void {
    const on = {
      online: () => observer({ type: "online" }, this),
      offline: () => observer({ type: "offline" }, this),
      closed: () => observer({ type: "closed" }, this),
      neighborAdded: (peer: bigint) => observer({ type: "neighborAdded", peer }, this),
      neighborRemoved: (peer: bigint, reason: CloseReason) =>
        observer({ type: "neighborRemoved", peer, reason }, this),
      warning: (e: Error) => observer({ type: "warning", message: e.message }, this),
    };
    this.on("online", on.online);
    this.on("offline", on.offline);
    this.on("closed", on.closed);
    this.on("neighborAdded", on.neighborAdded);
    this.on("neighborRemoved", on.neighborRemoved);
    this.on("warning", on.warning);
    return () => {
      this.off("online", on.online);
      this.off("offline", on.offline);
      this.off("closed", on.closed);
      this.off("neighborAdded", on.neighborAdded);
      this.off("neighborRemoved", on.neighborRemoved);
      this.off("warning", on.warning);
    };
  }

  /**
   * Leaves the mesh gracefully: Disconnect(LeavingMesh) to every neighbor,
   * unregister, close the links and the listener (MC-PRCH §3.1.4.3).
   */
  async close(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "closing";
    this.monitor?.stop();
    this.dispatch({ type: "close" });
    for (const ch of this.channels.values()) ch.close();
    await Promise.allSettled([...this.links.values()].map((ch) => ch.end()));
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.listener.close();
    if (this.ownsResolver) await this.resolver.close().catch(() => undefined);
    this.state = "closed";
    this.emit("closed");
  }

  /**
   * Stops at once, as a crashed process would: every link is reset without
   * Disconnect or End, the resolver is not told (the registration lapses
   * with its lifetime; a resolver passed in by the caller is left alone),
   * channels close. Neighbors see their links fail and repair the mesh
   * (MC-PRCH §3.1.5.2). For tests and failure drills; {@link close} is the
   * orderly way out.
   */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "closed";
    this.monitor?.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const ch of this.channels.values()) ch.close();
    for (const ch of [...this.links.values()]) {
      ch.abort(new TransportError("Closed", "the node aborted"));
    }
    this.links.clear();
    if (this.ownsResolver && this.resolver instanceof ResolverClient) this.resolver.abort();
    await this.listener.close();
    this.emit("closed");
  }

  /** @internal {@link ChannelHost} */
  sendOnChannel(uri: string, body: MessageBody, options: SendOptions): void {
    if (this.state !== "open") throw new PeerNodeError("Closed", "the node is closed");
    const message = new Message({
      action: options.action ?? `${uri.replace(/\/+$/, "")}/Send`,
      to: uri,
      body: bodyWriterFor(body),
    });
    const hops = options.hops === undefined ? undefined : BigInt(options.hops);
    if (hops !== undefined && hops < 0n)
      throw new PeerNodeError("InvalidArgument", "hops must not be negative");
    this.messagesOut++;
    this.dispatch({
      type: "send",
      message: { via: uri, to: uri, hops, size: 0, payload: FloodPayload.of(message) },
    });
  }

  /** @internal {@link ChannelHost} */
  closeChannel(channel: PeerChannel): void {
    const key = channel.uri.toLowerCase();
    if (this.channels.get(key) === channel) {
      this.channels.delete(key);
      this.engine.removeChannel(channel.uri);
    }
  }

  private adopt(ch: MessageChannel, direction: "incoming" | "outgoing", conn: ConnId): void {
    if (this.state !== "open") {
      ch.abort();
      return;
    }
    this.links.set(conn, ch);
    // Floods whose headers can be read without a decode skip it: most are duplicates.
    ch.interceptEnvelopes((payload) => this.screen(conn, ch, payload));
    ch.on("message", (m) => {
      let msg: ReturnType<typeof fromSoapMessage>;
      try {
        msg = fromSoapMessage(m, m.source?.bytes.length ?? 0);
      } catch (e) {
        // Windows aborts a neighbor that sends a malformed peer message (WINDOWS-NOTES §1.3).
        this.emit("warning", e instanceof Error ? e : new Error(String(e)));
        ch.abort(
          new TransportError("ProtocolError", "malformed Peer Channel message", { cause: e }),
        );
        return;
      }
      this.dispatch({ type: "messageReceived", conn, msg });
    });
    ch.on("drain", () => this.scheduleBacklog());
    ch.on("closed", (err) => {
      if (this.links.get(conn) === ch) this.links.delete(conn);
      this.dispatch({
        type: "connectionClosed",
        conn,
        ...(err !== undefined ? { error: err.message } : {}),
      });
    });
    this.dispatch({ type: "connectionOpened", conn, direction });
    ch.resumeReading();
  }

  /**
   * Hands a flood to the engine straight from its bytes when `scanFlood`
   * can read its headers (WINDOWS-NOTES §1.3); returns false to have the
   * link decode the envelope as usual (peer messages, StringTables that add
   * strings, anything unusual).
   */
  private screen(conn: ConnId, ch: MessageChannel, bytes: Uint8Array): boolean {
    const scan = scanFlood(bytes, ch.encoder.incoming, this.scanLimits);
    if (scan === undefined) return false;
    this.dispatch({
      type: "messageReceived",
      conn,
      msg: new ScannedFloodMessage(
        scan,
        bytes.length,
        FloodPayload.scanned(scan, ch.encoder, ch, this.scanLimits),
      ),
    });
    return true;
  }

  private sendLinkUtility(ch: MessageChannel, msg: LinkUtilityMessage): void {
    let cache = this.linkUtilityBytes.get(ch);
    if (cache === undefined) {
      cache = new Map();
      this.linkUtilityBytes.set(ch, cache);
    }
    // Small counts only (the engine's threshold is 32), so the key is exact and the map small.
    const cacheable = msg.Useful >= 0 && msg.Useful < 256 && msg.Total >= 0 && msg.Total < 256;
    const key = msg.Useful * 256 + msg.Total;
    const hit = cacheable ? cache.get(key) : undefined;
    if (hit !== undefined) {
      ch.sendEncoded(hit);
      return;
    }
    const doc = ch.sendRelayable(toSoapMessage(msg, this.meshName));
    const src = doc.source;
    if (cacheable && src.kind === "binary" && src.documentStart === 1 && src.bytes[0] === 0) {
      cache.set(key, src.bytes);
    }
  }

  /** Feeds one event to the engine and carries out its actions; re-entrant calls are queued. */
  private dispatch(event: MeshEvent<Payload>): void {
    // After abort() nothing more happens (close() dispatches while "closing").
    if (this.state === "closed") return;
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let e = this.queue.shift(); e !== undefined; e = this.queue.shift()) {
        for (const a of this.engine.handle(e, monotonicMs())) this.perform(a);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private perform(a: MeshAction<Payload>): void {
    switch (a.type) {
      case "send": {
        const ch = this.links.get(a.conn);
        if (ch === undefined) return;
        const msg = a.msg;
        if (msg.kind === "LinkUtility") this.safely(() => this.sendLinkUtility(ch, msg));
        else this.safely(() => ch.send(toSoapMessage(msg, this.meshName)));
        return;
      }
      case "flood":
        this.flood(a);
        return;
      case "deliver": {
        const ch = this.channels.get(a.channel.toLowerCase());
        if (ch === undefined) return;
        let received: ReceivedMessage;
        try {
          received = a.msg.payload.toReceived(a.msg.size);
        } catch (e) {
          this.refuseFlood(a.msg.payload, e);
          return;
        }
        this.messagesIn++;
        ch.deliver(received);
        return;
      }
      case "connect":
        this.connect(a.conn, a.address);
        return;
      case "close":
        void this.links.get(a.conn)?.end();
        return;
      case "abort":
        this.links.get(a.conn)?.abort(new TransportError("Closed", `link aborted: ${a.reason}`));
        return;
      case "setTimer": {
        clearTimeout(this.timers.get(a.id));
        const t = setTimeout(
          () => {
            this.timers.delete(a.id);
            if (this.state !== "closed") this.dispatch({ type: "timerFired", id: a.id });
          },
          Math.max(0, a.at - monotonicMs()),
        );
        t.unref();
        this.timers.set(a.id, t);
        return;
      }
      case "cancelTimer":
        clearTimeout(this.timers.get(a.id));
        this.timers.delete(a.id);
        return;
      case "register":
        this.resolver.register(a.meshName, a.address).then(
          () =>
            this.dispatch({
              type: "resolverRegistered",
              ...(this.resolver.canShareReferrals !== undefined
                ? { shareReferrals: this.resolver.canShareReferrals }
                : {}),
            }),
          (e: unknown) => this.emit("warning", asError(e)),
        );
        return;
      case "update":
        this.resolver.update(a.address).catch((e: unknown) => this.emit("warning", asError(e)));
        return;
      case "unregister":
        // Unregistering happens in close(), through the resolver client's own close.
        return;
      case "resolve":
        this.resolver.resolve(a.meshName, a.maxAddresses).then(
          (addresses) => this.dispatch({ type: "resolverResolved", addresses }),
          (e: unknown) => {
            this.emit("warning", asError(e));
            this.dispatch({ type: "resolverResolved", addresses: [] });
          },
        );
        return;
      case "pauseReading":
        for (const ch of this.links.values()) ch.pauseReading();
        return;
      case "resumeReading":
        for (const ch of this.links.values()) ch.resumeReading();
        return;
      case "neighborAdded":
        this.emit("neighborAdded", a.nodeId);
        return;
      case "neighborRemoved":
        this.emit("neighborRemoved", a.nodeId, a.reason);
        return;
      case "online":
        this.emit("online");
        return;
      case "offline":
        this.emit("offline");
        return;
    }
  }

  private flood(a: Extract<MeshAction<Payload>, { type: "flood" }>): void {
    const msg = a.msg;
    const payload = msg.payload;
    if (!payload.isOwn) {
      // Relay: the received bytes go on with only the hop count changed (MC-PRCH §3.1.5.9).
      const hops = typeof msg.Hops === "bigint" ? msg.Hops : undefined;
      for (const conn of a.conns) {
        const ch = this.links.get(conn);
        if (ch === undefined) continue;
        let bytes: Uint8Array;
        try {
          bytes = payload.relay(ch.encoder, hops);
        } catch (e) {
          // The received document is malformed past what the scan read (its
          // body): it goes nowhere, and the sender loses the link.
          if (e instanceof SoapError) {
            this.refuseFlood(payload, e);
            break;
          }
          this.emit("warning", asError(e));
          continue;
        }
        this.safely(() => ch.sendEncoded(bytes));
      }
    } else {
      const message = payload.message();
      // Our own message: add the four peer headers once (WINDOWS-NOTES §1.3).
      if (message.findHeader("FloodMessage", NS.peer) === undefined) {
        addFloodHeaders(message, {
          messageId: msg.MessageID.replace(/^urn:uuid:/i, ""),
          peerTo: msg.PeerTo,
          peerVia: msg.PeerVia,
          ...(typeof msg.Hops === "bigint" ? { hops: msg.Hops } : {}),
        });
      }
      // Serialised once, for the first link; the others get a renumbered copy.
      let doc: EncodedDocument | undefined;
      for (const conn of a.conns) {
        const ch = this.links.get(conn);
        if (ch === undefined) continue;
        this.safely(() => {
          if (doc === undefined) doc = ch.sendRelayable(message);
          else ch.sendEncoded(encodeRelay(doc, ch.encoder));
        });
      }
    }
    this.scheduleBacklog();
  }

  /**
   * A scanned flood whose document fails past its headers (a malformed
   * body): the sender sent a malformed message, which costs it the link, as
   * a malformed peer message does (WINDOWS-NOTES §1.3).
   */
  private refuseFlood(payload: FloodPayload, e: unknown): void {
    this.emit("warning", asError(e));
    payload.origin?.abort(
      new TransportError("DecodeFailed", `malformed flood: ${asError(e).message}`, { cause: e }),
    );
  }

  private connect(conn: ConnId, address: PeerNodeAddress): void {
    dialNeighbor(
      { endpointAddress: address.EndpointAddress, ipAddresses: address.IPAddresses },
      {
        security: this.security,
        to: neighborTo(this.meshName),
        connect: { timeoutMs: this.engine.config.connectTimeoutMs },
        ...(this.maxMessageSize !== 65536
          ? { channel: { quotas: { maxDocumentSize: this.maxMessageSize } } }
          : {}),
      },
    ).then(
      (ch) => this.adopt(ch, "outgoing", conn),
      (e: unknown) => {
        this.emit("warning", asError(e));
        if (this.state === "open")
          this.dispatch({ type: "connectionClosed", conn, error: asError(e).message });
      },
    );
  }

  /** Reports send backlogs to the engine once per tick, for throttling (MC-PRCH §3.1.5.9). */
  private scheduleBacklog(): void {
    if (this.backlogScheduled || this.state !== "open") return;
    this.backlogScheduled = true;
    setImmediate(() => {
      this.backlogScheduled = false;
      if (this.state !== "open") return;
      const connections: [ConnId, number][] = [];
      let total = 0;
      for (const [conn, ch] of this.links) {
        const n = ch.pendingMessages;
        connections.push([conn, n]);
        // A message queued on several links counts once: the longest queue bounds the node's backlog.
        total = Math.max(total, n);
      }
      this.dispatch({ type: "backlog", total, connections });
    });
  }

  private safely(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      this.emit("warning", asError(e));
    }
  }
}

/**
 * A scanned flood as the engine sees it. The engine keys duplicates by
 * `messageKey` (the GUID bytes the scan found), so the MessageID text is
 * built only when something reads it — for most copies, nothing does. A
 * class, not an object literal with a getter: V8 keeps one fast shape for it.
 */
class ScannedFloodMessage implements FloodMessage<Payload> {
  readonly kind = "Flood";
  readonly FloodMessage = PEER_FLOODER;
  readonly messageKey: string | undefined;
  readonly PeerVia: string;
  readonly PeerTo: string;
  readonly Hops: bigint | string | undefined;

  constructor(
    private readonly scan: ScannedFlood,
    readonly size: number,
    readonly payload: Payload,
  ) {
    this.messageKey = scan.messageKey;
    this.PeerVia = scan.peerVia;
    this.PeerTo = scan.peerTo;
    this.Hops = scan.hops;
  }

  get MessageID(): string {
    return `urn:uuid:${this.scan.messageId}`;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function publishAddress(
  host: string,
  port: number,
  guid: string,
  ips: readonly IpAddress[],
): PeerNodeAddress {
  const uriHost =
    host === "::" || host === "0.0.0.0" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return {
    EndpointAddress: nodeEndpointUri(uriHost, port, guid),
    IPAddresses: ips.map((ip) =>
      ip.family === 6 && ip.scopeId !== 0 ? `${ip.address}%${ip.scopeId}` : ip.address,
    ),
  };
}

async function toPeerSecurity(s: NodeSecurityOptions): Promise<PeerSecurity> {
  switch (s.mode) {
    case "none":
      return { mode: "none" };
    case "password":
      return passwordSecurity(s.password, s.identity);
    case "certificate":
      return { mode: "certificate", identity: s.identity, validator: s.validator };
    default:
      throw new PeerNodeError("InvalidArgument", "security mode is none, password or certificate");
  }
}
