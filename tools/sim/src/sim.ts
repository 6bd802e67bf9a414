import {
  type ConnId,
  type MeshAction,
  type MeshConfig,
  MeshEngine,
  type MeshEvent,
  type PeerMessage,
  type PeerNodeAddress,
  type RandomSource,
  randomFloat,
  randomInt,
  seededRandom,
  servicePath,
} from "@prch/mesh-core";
import type {
  ResolverClientAction,
  ResolverClientTimer,
  ResolverRequest,
  ResolverResponse,
} from "@prch/resolver-prcr";
import { ResolverError } from "@prch/resolver-prcr";
import { PrcrResolver } from "./prcr.js";
import { EventQueue, type Scheduled } from "./queue.js";
import { MemoryResolver } from "./resolver.js";

/** The payload handle simulated flood messages carry: the application message number. */
export interface SimPayload {
  readonly msg: number;
}

/** Simulator settings. Times in ms of simulated time. */
export interface SimOptions {
  /** Seed of every random choice (engines get derived seeds). */
  seed: number;
  /** One-way link latency, drawn uniformly per link from [min, max]. */
  latencyMs: readonly [number, number];
  /** Per-direction link bandwidth in bytes per ms (1250 = 10 Mbit/s). */
  bandwidthBytesPerMs: number;
  /** Probability that a message needs a retransmission (TCP: delayed, never lost). */
  lossRate: number;
  /** Delay a retransmission adds (and, since TCP is ordered, to everything behind it). */
  retransmitMs: number;
  /** A connect to a partitioned-off node fails after this long (SYN timeout). */
  unreachableMs: number;
  /** Links cut by a partition are noticed after this long (no keepalive in Peer Channel). */
  partitionDetectMs: number;
  /** Round trip to the resolver. */
  resolverRttMs: number;
  /** Resolver registration lifetime (MC-PRCR: 10 min). */
  registrationLifetimeMs: number;
  /** Engine settings for every node. */
  engine: Partial<MeshConfig>;
  /** Time every engine call on a flood message (for the CPU figure). */
  measureCpu: boolean;
  /** Size in bytes of flood messages sent by {@link Simulator.broadcast}. */
  messageSize: number;
  /**
   * Model send queues and receive pausing: each node reports its links' send backlog to its
   * engine (`backlog` events) and honours `pauseReading`/`resumeReading`. Costs extra events.
   */
  backpressure: boolean;
  /** Per-link bandwidth override (bytes per ms) for the link between nodes `a` and `b`. */
  linkBandwidth: ((a: number, b: number) => number | undefined) | undefined;
  /**
   * Which resolver answers the engines: `prcr` runs the real client and service logic of
   * `@prch/resolver-prcr` (registration lifetimes, refresh, GetServiceInfo); `model` is a small
   * synchronous stand-in with the same Resolve behaviour, cheaper for huge runs.
   */
  resolver: "prcr" | "model";
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  seed: 1,
  latencyMs: [5, 50],
  bandwidthBytesPerMs: 1250,
  lossRate: 0,
  retransmitMs: 200,
  unreachableMs: 21_000,
  partitionDetectMs: 30_000,
  resolverRttMs: 40,
  registrationLifetimeMs: 600_000,
  engine: {},
  measureCpu: false,
  messageSize: 512,
  backpressure: false,
  linkBandwidth: undefined,
  resolver: "prcr",
};

/** The channel every simulated node registers. */
export const SIM_VIA = "net.p2p://SimMesh/app";
const MESH = "SimMesh";

/** One direction-aware link between two simulated nodes. */
interface Link {
  readonly a: SimNode;
  readonly aConn: ConnId;
  b: SimNode;
  bConn: ConnId;
  readonly latency: number;
  freeAB: number;
  freeBA: number;
  /** When the link stops carrying data (Infinity while open); later arrivals are lost. */
  deadAt: number;
  /** Bytes per ms in each direction. */
  bandwidth: number;
  /** Messages queued but not yet on the wire, per direction (backpressure mode). */
  queuedAB: number;
  queuedBA: number;
}

/** Per-node host state around an engine (or a naive forwarder). */
export class SimNode {
  readonly timers = new Map<string, number>();
  readonly links = new Map<ConnId, Link>();
  alive = false;
  group = 0;
  /** Naive-mode state: message numbers already seen. */
  readonly seen = new Set<number>();
  nextNaiveConn = 1;
  /** Reading paused by the engine (backpressure mode); arrivals wait in `inbox`. */
  paused = false;
  readonly inbox: { link: Link; toB: boolean; msg: PeerMessage<SimPayload>; hops: number }[] = [];
  constructor(
    readonly index: number,
    readonly address: PeerNodeAddress,
    readonly engine: MeshEngine<SimPayload> | undefined,
  ) {}
}

/** Delivery record of one application message. */
export interface MessageTrack {
  readonly msg: number;
  readonly from: number;
  readonly sentAt: number;
  /** Nodes alive when it was sent (the ones that should get it). */
  readonly expected: Uint8Array;
  readonly expectedCount: number;
  /** First delivery time per node (NaN = not delivered). */
  readonly deliveredAt: Float64Array;
  /** Hops of the first copy per node (-1 = not delivered). */
  readonly hops: Int32Array;
  deliveries: number;
  /** Flood copies that arrived at nodes (first copies and duplicates). */
  arrivals: number;
}

type SimEvent = Scheduled &
  (
    | { kind: "timer"; node: SimNode; id: string; gen: number }
    | { kind: "recv"; link: Link; toB: boolean; msg: PeerMessage<SimPayload>; hops: number }
    | { kind: "engine"; node: SimNode; event: MeshEvent<SimPayload> }
    | { kind: "accept"; link: Link }
    | { kind: "opened"; link: Link }
    | { kind: "connectFailed"; node: SimNode; conn: ConnId; link: Link }
    | { kind: "remoteClosed"; link: Link; toB: boolean }
    | { kind: "call"; fn: () => void }
    | { kind: "departed"; link: Link; fromA: boolean }
    | { kind: "resolverServe"; node: SimNode; requestId: number; request: ResolverRequest }
    | {
        kind: "resolverReply";
        node: SimNode;
        requestId: number;
        reply: ResolverResponse | ResolverError;
      }
    | { kind: "resolverMaintain" }
  );

/** Distribution of an engine's cost, collected when `measureCpu` is on. */
export interface CpuStats {
  floodCalls: number;
  floodNs: bigint;
  /** Per-call nanoseconds (for the median; GC pauses and preemption inflate the mean). */
  samples: number[];
}

/**
 * A deterministic discrete-event simulator: engines, links with latency/bandwidth/retransmission,
 * node crashes, partitions and an in-memory resolver. All randomness flows from `seed`.
 */
export class Simulator {
  readonly options: SimOptions;
  readonly nodes: SimNode[] = [];
  readonly resolver: MemoryResolver;
  readonly tracks: MessageTrack[] = [];
  readonly cpu: CpuStats = { floodCalls: 0, floodNs: 0n, samples: [] };
  now = 0;
  eventsProcessed = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly random: RandomSource;
  private readonly byPath = new Map<string, SimNode>();
  private readonly byNodeId = new Map<bigint, SimNode>();
  private timerGen = 0;
  private currentHops = 0;
  private readonly naive: boolean;
  /** The real resolver (option `resolver: "prcr"`). */
  readonly prcr: PrcrResolver | undefined;

  constructor(options: Partial<SimOptions> = {}, mode: "engine" | "naive" = "engine") {
    this.options = { ...DEFAULT_SIM_OPTIONS, ...options };
    this.random = seededRandom(this.options.seed);
    this.resolver = new MemoryResolver(
      seededRandom(this.options.seed ^ 0x5eed),
      this.options.registrationLifetimeMs,
    );
    this.naive = mode === "naive";
    if (this.options.resolver === "prcr" && !this.naive) {
      this.prcr = new PrcrResolver(
        this.options.seed,
        () => this.now,
        this.options.registrationLifetimeMs,
      );
      this.queue.push({
        at: this.prcr.service.maintenanceIntervalMs,
        seq: 0,
        kind: "resolverMaintain",
      });
    }
  }

  /** Live registrations at the resolver in use. */
  async registrations(): Promise<number> {
    return this.prcr === undefined ? this.resolver.size : this.prcr.registrations();
  }

  // ------------------------------------------------------------ scenario API

  /** Create `count` nodes; node i opens at `joinAt(i)` (absolute ms). Returns their indexes. */
  addNodes(count: number, joinAt: (i: number) => number = () => this.now): number[] {
    const out: number[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.nodes.length;
      const address = simAddress(index);
      const engine = this.naive
        ? undefined
        : new MeshEngine<SimPayload>({
            meshName: MESH,
            address,
            random: seededRandom((this.options.seed * 1_000_003 + index * 7919) >>> 0),
            config: this.options.engine,
            channels: [{ via: SIM_VIA }],
          });
      const node = new SimNode(index, address, engine);
      this.nodes.push(node);
      this.byPath.set(servicePath(address), node);
      if (engine !== undefined) this.byNodeId.set(engine.nodeId, node);
      const at = Math.max(this.now, joinAt(k));
      this.at(at, () => {
        node.alive = true;
        if (node.engine !== undefined)
          this.exec(node, node.engine.handle({ type: "open" }, this.now));
      });
      out.push(index);
    }
    return out;
  }

  /** Run `fn` at simulated time `t`. */
  at(t: number, fn: () => void): void {
    this.queue.push({ at: Math.max(t, this.now), seq: 0, kind: "call", fn });
  }

  /**
   * Process events until simulated time `t` (inclusive), bounded by `maxEvents`. Asynchronous only
   * because the real resolver service answers through promises; simulated time stands still while
   * it does, so runs stay deterministic.
   */
  async runUntil(t: number, maxEvents = 200_000_000): Promise<void> {
    for (let i = 0; i < maxEvents; i++) {
      const e = this.queue.peek();
      if (e === undefined || e.at > t) break;
      this.queue.pop();
      this.now = e.at;
      this.eventsProcessed++;
      if (e.kind === "resolverServe") await this.serveResolver(e.node, e.requestId, e.request);
      else if (e.kind === "resolverMaintain") await this.maintainResolver();
      else this.dispatch(e);
    }
    if (this.now < t) this.now = t;
  }

  private async serveResolver(
    node: SimNode,
    requestId: number,
    request: ResolverRequest,
  ): Promise<void> {
    if (this.prcr === undefined) return;
    const reply = await this.prcr.serve(request);
    this.queue.push({
      at: this.now + this.options.resolverRttMs / 2,
      seq: 0,
      kind: "resolverReply",
      node,
      requestId,
      reply,
    });
  }

  private async maintainResolver(): Promise<void> {
    if (this.prcr === undefined) return;
    await this.prcr.service.maintain();
    this.queue.push({
      at: this.now + this.prcr.service.maintenanceIntervalMs,
      seq: 0,
      kind: "resolverMaintain",
    });
  }

  /** Carry out a node's resolver-client actions. */
  private performClient(node: SimNode, actions: readonly ResolverClientAction[]): void {
    const engine = node.engine;
    if (engine === undefined) return;
    for (const a of actions) {
      switch (a.type) {
        case "send":
          this.queue.push({
            at: this.now + this.options.resolverRttMs / 2,
            seq: 0,
            kind: "resolverServe",
            node,
            requestId: a.requestId,
            request: a.request,
          });
          break;
        case "setTimer": {
          const gen = ++this.timerGen;
          const id = `resolver:${a.timer}`;
          node.timers.set(id, gen);
          this.queue.push({ at: Math.max(a.at, this.now), seq: 0, kind: "timer", node, id, gen });
          break;
        }
        case "cancelTimer":
          node.timers.delete(`resolver:${a.timer}`);
          break;
        case "registered":
          this.exec(node, engine.handle({ type: "resolverRegistered" }, this.now));
          break;
        case "serviceSettings":
          this.exec(
            node,
            engine.handle(
              { type: "resolverRegistered", shareReferrals: a.canShareReferrals },
              this.now,
            ),
          );
          break;
        case "resolved":
          this.exec(
            node,
            engine.handle({ type: "resolverResolved", addresses: a.Addresses }, this.now),
          );
          break;
        case "failed":
          if (a.operation === "Resolve") {
            this.exec(node, engine.handle({ type: "resolverResolved", addresses: [] }, this.now));
          }
          break;
        case "closed":
          break;
      }
    }
  }

  /** Send an application message from node `from` now; returns its number. */
  broadcast(from: number): number {
    const node = this.nodes[from]!;
    const msg = this.tracks.length;
    const n = this.nodes.length;
    const expected = new Uint8Array(n);
    let expectedCount = 0;
    for (const x of this.nodes) {
      if (x.alive) {
        expected[x.index] = 1;
        expectedCount++;
      }
    }
    this.tracks.push({
      msg,
      from,
      sentAt: this.now,
      expected,
      expectedCount,
      deliveredAt: new Float64Array(n).fill(Number.NaN),
      hops: new Int32Array(n).fill(-1),
      deliveries: 0,
      arrivals: 0,
    });
    if (!node.alive) return msg;
    this.currentHops = 0;
    if (node.engine !== undefined) {
      const actions = node.engine.handle(
        {
          type: "send",
          message: { via: SIM_VIA, size: this.options.messageSize, payload: { msg } },
        },
        this.now,
      );
      this.exec(node, actions);
    } else {
      node.seen.add(msg);
      this.recordDelivery(node, msg, 0);
      this.naiveForward(node, msg, undefined, 0);
    }
    return msg;
  }

  /** Crash nodes now: their links reset (peers see it after one latency); resolver entries linger. */
  crash(indexes: readonly number[]): void {
    for (const i of indexes) {
      const node = this.nodes[i]!;
      if (!node.alive) continue;
      node.alive = false;
      node.timers.clear();
      this.resolver.orphan(node.address, this.now);
      // Its registration now lingers at the service until the lifetime runs out.
      this.prcr?.drop(i);
      for (const [, link] of node.links) this.killLink(link, node, link.latency);
      node.links.clear();
    }
  }

  /**
   * Split the network: nodes in different groups cannot reach each other. Existing links across
   * groups die; each end notices after `partitionDetectMs`.
   */
  partition(groupOf: (index: number) => number): void {
    for (const n of this.nodes) n.group = groupOf(n.index);
    for (const n of this.nodes) {
      for (const [, link] of n.links) {
        if (link.deadAt !== Number.POSITIVE_INFINITY || link.a.group === link.b.group) continue;
        this.killLink(link, undefined, this.options.partitionDetectMs);
      }
    }
  }

  /**
   * Close nodes gracefully (MC-PRCH §3.1.4.3): each engine sends Disconnect(LeavingMesh) to its
   * neighbors and unregisters, then the node stops.
   */
  leave(indexes: readonly number[]): void {
    for (const i of indexes) {
      const node = this.nodes[i]!;
      if (!node.alive || node.engine === undefined) continue;
      this.exec(node, node.engine.handle({ type: "close" }, this.now));
      node.alive = false;
      node.timers.clear();
    }
  }

  /** Live links whose initiating end is Connected, as [from, to, one-way latency]. */
  edges(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const n of this.nodes) {
      if (!n.alive || n.engine === undefined) continue;
      const connected = new Set(
        n.engine
          .neighbors()
          .filter((x) => x.state === "Connected")
          .map((x) => x.conn),
      );
      for (const [conn, link] of n.links) {
        if (link.a !== n || !connected.has(conn) || !link.b.alive) continue;
        if (link.deadAt !== Number.POSITIVE_INFINITY) continue;
        out.push([n.index, link.b.index, link.latency]);
      }
    }
    return out;
  }

  /** Remove every partition. */
  heal(): void {
    for (const n of this.nodes) n.group = 0;
  }

  /** Build a naive-mode link between two nodes (for the baseline on a fixed topology). */
  linkNaive(i: number, j: number, latency?: number): void {
    const a = this.nodes[i]!;
    const b = this.nodes[j]!;
    const link: Link = {
      a,
      aConn: a.nextNaiveConn++,
      b,
      bConn: b.nextNaiveConn++,
      latency: latency ?? this.drawLatency(),
      freeAB: 0,
      freeBA: 0,
      deadAt: Number.POSITIVE_INFINITY,
      bandwidth: this.options.linkBandwidth?.(a.index, b.index) ?? this.options.bandwidthBytesPerMs,
      queuedAB: 0,
      queuedBA: 0,
    };
    a.links.set(link.aConn, link);
    b.links.set(link.bConn, link);
  }

  // ------------------------------------------------------------ observation

  /** Live neighbors of each alive node (Connected at this node's end), as node indexes. */
  adjacency(): number[][] {
    return this.nodes.map((n) => {
      if (!n.alive) return [];
      if (n.engine === undefined) {
        return [...n.links.values()]
          .filter((l) => l.deadAt === Number.POSITIVE_INFINITY)
          .map((l) => (l.a === n ? l.b : l.a).index);
      }
      const out: number[] = [];
      for (const id of n.engine.connectedNodeIds()) {
        const m = this.byNodeId.get(id);
        if (m?.alive) out.push(m.index);
      }
      return out;
    });
  }

  // ------------------------------------------------------------ internals

  private drawLatency(): number {
    const [lo, hi] = this.options.latencyMs;
    return lo + randomFloat(this.random) * (hi - lo);
  }

  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case "call":
        e.fn();
        return;
      case "timer": {
        const node = e.node;
        if (!node.alive || node.timers.get(e.id) !== e.gen || node.engine === undefined) return;
        node.timers.delete(e.id);
        if (e.id.startsWith("resolver:") && this.prcr !== undefined) {
          const timer = e.id.slice(9) as ResolverClientTimer;
          this.performClient(node, this.prcr.client(node.index).onTimer(timer, this.now));
          return;
        }
        this.exec(node, node.engine.handle({ type: "timerFired", id: e.id }, this.now));
        return;
      }
      case "resolverReply": {
        const node = e.node;
        if (!node.alive || this.prcr === undefined) return;
        const client = this.prcr.client(node.index);
        const actions =
          e.reply instanceof ResolverError
            ? client.onFailure(e.requestId, e.reply, this.now)
            : client.onResponse(e.requestId, e.reply, this.now);
        this.performClient(node, actions);
        return;
      }
      case "resolverServe":
      case "resolverMaintain":
        return; // handled in runUntil (asynchronous)
      case "engine":
        if (e.node.alive && e.node.engine !== undefined) {
          this.exec(e.node, e.node.engine.handle(e.event, this.now));
        }
        return;
      case "accept": {
        const link = e.link;
        const b = link.b;
        if (link.deadAt !== Number.POSITIVE_INFINITY || !link.a.alive) return;
        if (!b.alive || b.engine === undefined || b.group !== link.a.group) {
          // The target died (or was cut off) while the connect was in flight.
          link.deadAt = this.now;
          const delay = b.group !== link.a.group ? this.options.unreachableMs : link.latency;
          this.queue.push({
            at: this.now + delay,
            seq: 0,
            kind: "connectFailed",
            node: link.a,
            conn: link.aConn,
            link,
          });
          return;
        }
        link.bConn = b.engine.newConnectionId();
        b.links.set(link.bConn, link);
        this.exec(
          b,
          b.engine.handle(
            { type: "connectionOpened", conn: link.bConn, direction: "incoming" },
            this.now,
          ),
        );
        this.queue.push({ at: this.now + link.latency, seq: 0, kind: "opened", link });
        return;
      }
      case "opened": {
        const link = e.link;
        const a = link.a;
        if (link.deadAt !== Number.POSITIVE_INFINITY || !a.alive || a.engine === undefined) return;
        this.exec(
          a,
          a.engine.handle(
            { type: "connectionOpened", conn: link.aConn, direction: "outgoing" },
            this.now,
          ),
        );
        return;
      }
      case "connectFailed": {
        const node = e.node;
        if (!node.alive || node.engine === undefined || node.links.get(e.conn) !== e.link) return;
        node.links.delete(e.conn);
        this.exec(node, node.engine.handle({ type: "connectionClosed", conn: e.conn }, this.now));
        return;
      }
      case "remoteClosed": {
        const link = e.link;
        const node = e.toB ? link.b : link.a;
        const conn = e.toB ? link.bConn : link.aConn;
        if (!node.alive || node.links.get(conn) !== link) return;
        node.links.delete(conn);
        if (node.engine !== undefined) {
          this.exec(node, node.engine.handle({ type: "connectionClosed", conn }, this.now));
        }
        return;
      }
      case "recv":
        this.onRecv(e.link, e.toB, e.msg, e.hops);
        return;
      case "departed": {
        const link = e.link;
        if (e.fromA) link.queuedAB--;
        else link.queuedBA--;
        const node = e.fromA ? link.a : link.b;
        if (link.deadAt === Number.POSITIVE_INFINITY) this.reportBacklog(node, link);
        return;
      }
    }
  }

  private onRecv(link: Link, toB: boolean, msg: PeerMessage<SimPayload>, hops: number): void {
    if (this.now > link.deadAt) return;
    const node = toB ? link.b : link.a;
    const conn = toB ? link.bConn : link.aConn;
    if (!node.alive || node.links.get(conn) !== link) return;
    if (node.paused) {
      node.inbox.push({ link, toB, msg, hops });
      return;
    }
    if (msg.kind === "Flood") {
      const track = this.tracks[msg.payload.msg];
      if (track !== undefined) track.arrivals++;
    }
    if (node.engine === undefined) {
      if (msg.kind !== "Flood") return;
      // Time only the node's decision (dedup + choosing targets), as for the engine, whose
      // actions are also carried out outside the timed call.
      const t0 = this.options.measureCpu ? process.hrtime.bigint() : 0n;
      const m = msg.payload.msg;
      let targets: Link[] | undefined;
      if (!node.seen.has(m)) {
        node.seen.add(m);
        targets = [...node.links.values()];
      }
      if (this.options.measureCpu) this.recordCpu(process.hrtime.bigint() - t0);
      if (targets !== undefined) {
        this.recordDelivery(node, m, hops);
        for (const link of targets) this.transmit(link, node, msg, hops + 1);
      }
      return;
    }
    this.currentHops = hops;
    const event: MeshEvent<SimPayload> = { type: "messageReceived", conn, msg };
    if (this.options.measureCpu && msg.kind === "Flood") {
      const t0 = process.hrtime.bigint();
      const actions = node.engine.handle(event, this.now);
      this.recordCpu(process.hrtime.bigint() - t0);
      this.exec(node, actions);
    } else {
      this.exec(node, node.engine.handle(event, this.now));
    }
  }

  /**
   * Tell `node`'s engine the send backlog of `link` and the node's total. The total approximates
   * "a message queued on several links counts once" by the largest per-link queue.
   */
  private reportBacklog(node: SimNode, link: Link | undefined): void {
    const engine = node.engine;
    if (engine === undefined || !node.alive) return;
    let total = 0;
    for (const l of node.links.values()) {
      if (l.deadAt !== Number.POSITIVE_INFINITY) continue;
      total = Math.max(total, l.a === node ? l.queuedAB : l.queuedBA);
    }
    const connections: [ConnId, number][] = [];
    if (link !== undefined) {
      const conn = link.a === node ? link.aConn : link.bConn;
      connections.push([conn, link.a === node ? link.queuedAB : link.queuedBA]);
    }
    this.exec(node, engine.handle({ type: "backlog", total, connections }, this.now));
  }

  private recordCpu(ns: bigint): void {
    this.cpu.floodCalls++;
    this.cpu.floodNs += ns;
    this.cpu.samples.push(Number(ns));
  }

  /** The naive baseline: forward every new message to all neighbors, the sender included. */
  private naiveForward(
    node: SimNode,
    m: number,
    received: PeerMessage<SimPayload> | undefined,
    hops: number,
  ): void {
    const msg: PeerMessage<SimPayload> = received ?? {
      kind: "Flood",
      MessageID: "",
      FloodMessage: "PeerFlooder",
      PeerVia: SIM_VIA,
      PeerTo: SIM_VIA,
      size: this.options.messageSize,
      payload: { msg: m },
    };
    for (const link of node.links.values()) this.transmit(link, node, msg, hops + 1);
  }

  private recordDelivery(node: SimNode, m: number, hops: number): void {
    const t = this.tracks[m];
    if (t === undefined || !Number.isNaN(t.deliveredAt[node.index]!)) return;
    t.deliveredAt[node.index] = this.now;
    t.hops[node.index] = hops;
    t.deliveries++;
  }

  private exec(node: SimNode, actions: readonly MeshAction<SimPayload>[]): void {
    for (const a of actions) {
      switch (a.type) {
        case "send": {
          const link = node.links.get(a.conn);
          if (link !== undefined) this.transmit(link, node, a.msg, this.currentHops + 1);
          break;
        }
        case "flood":
          for (const c of a.conns) {
            const link = node.links.get(c);
            if (link !== undefined) this.transmit(link, node, a.msg, this.currentHops + 1);
          }
          break;
        case "deliver":
          this.recordDelivery(node, (a.msg.payload as SimPayload).msg, this.currentHops);
          break;
        case "connect":
          this.connect(node, a.conn, a.address);
          break;
        case "close":
        case "abort": {
          const link = node.links.get(a.conn);
          node.links.delete(a.conn);
          if (link === undefined || link.deadAt !== Number.POSITIVE_INFINITY) break;
          const fromA = link.a === node;
          // A graceful close lets queued bytes drain; an abort resets at once.
          const drain =
            a.type === "close"
              ? Math.max(0, (fromA ? link.freeAB : link.freeBA) - this.now) + link.latency
              : 0;
          this.killLink(link, node, drain + link.latency, drain);
          if (this.options.backpressure) this.reportBacklog(node, undefined);
          break;
        }
        case "setTimer": {
          const gen = ++this.timerGen;
          node.timers.set(a.id, gen);
          this.queue.push({
            at: Math.max(a.at, this.now),
            seq: 0,
            kind: "timer",
            node,
            id: a.id,
            gen,
          });
          break;
        }
        case "cancelTimer":
          node.timers.delete(a.id);
          break;
        case "register":
          if (this.prcr !== undefined) {
            const client = this.prcr.client(node.index);
            this.performClient(node, client.open(this.now));
            this.performClient(node, client.register(a.meshName, a.address, this.now));
          } else this.resolver.register(node.index, a.address);
          break;
        case "update":
          if (this.prcr !== undefined) {
            this.performClient(node, this.prcr.client(node.index).update(a.address, this.now));
          } else this.resolver.register(node.index, a.address);
          break;
        case "unregister":
          if (this.prcr !== undefined) {
            this.performClient(node, this.prcr.client(node.index).close(this.now));
          } else this.resolver.unregister(node.address);
          break;
        case "resolve": {
          if (this.prcr !== undefined) {
            const r = this.prcr.client(node.index).resolve(a.meshName, a.maxAddresses, this.now);
            this.performClient(node, r.actions);
            break;
          }
          const addresses = this.resolver.resolve(a.maxAddresses, this.now);
          this.queue.push({
            at: this.now + this.options.resolverRttMs,
            seq: 0,
            kind: "engine",
            node,
            event: { type: "resolverResolved", addresses },
          });
          break;
        }
        case "pauseReading":
          node.paused = true;
          break;
        case "resumeReading": {
          node.paused = false;
          // Arrivals held while paused are read now, in order.
          const held = node.inbox.splice(0);
          for (const h of held) {
            this.queue.push({ at: this.now, seq: 0, kind: "recv", ...h });
          }
          break;
        }
        default:
          // app events (neighborAdded/Removed, online/offline) need no simulation.
          break;
      }
    }
  }

  private connect(node: SimNode, conn: ConnId, address: PeerNodeAddress): void {
    const target = this.byPath.get(servicePath(address));
    const latency = this.drawLatency();
    const link: Link = {
      a: node,
      aConn: conn,
      b: target ?? node,
      bConn: -1,
      latency,
      freeAB: 0,
      freeBA: 0,
      deadAt: Number.POSITIVE_INFINITY,
      bandwidth:
        (target && this.options.linkBandwidth?.(node.index, target.index)) ??
        this.options.bandwidthBytesPerMs,
      queuedAB: 0,
      queuedBA: 0,
    };
    node.links.set(conn, link);
    if (target === undefined || !target.alive || target.group !== node.group) {
      // A dead process answers with a reset after one round trip; a partition times out.
      const delay =
        target !== undefined && target.group !== node.group
          ? this.options.unreachableMs
          : 2 * latency;
      link.deadAt = this.now;
      this.queue.push({ at: this.now + delay, seq: 0, kind: "connectFailed", node, conn, link });
      return;
    }
    this.queue.push({ at: this.now + latency, seq: 0, kind: "accept", link });
  }

  /**
   * Stop a link: data already sent keeps arriving until `delay` from now (a graceful close drains;
   * pass the drain time), then the end(s) other than `by` learn the link is gone.
   */
  private killLink(link: Link, by: SimNode | undefined, delay: number, drain = 0): void {
    if (link.deadAt !== Number.POSITIVE_INFINITY) return;
    link.deadAt = this.now + drain;
    if (by !== link.a) {
      this.queue.push({ at: this.now + delay, seq: 0, kind: "remoteClosed", link, toB: false });
    }
    if (by !== link.b && link.bConn >= 0) {
      this.queue.push({ at: this.now + delay, seq: 0, kind: "remoteClosed", link, toB: true });
    }
  }

  private transmit(link: Link, from: SimNode, msg: PeerMessage<SimPayload>, hops: number): void {
    if (link.deadAt !== Number.POSITIVE_INFINITY || link.bConn < 0) return;
    const toB = link.a === from;
    const size = msg.kind === "Flood" ? msg.size : controlSize(msg);
    const free = toB ? link.freeAB : link.freeBA;
    let depart = Math.max(this.now, free) + size / link.bandwidth;
    if (this.options.lossRate > 0 && randomFloat(this.random) < this.options.lossRate) {
      depart += this.options.retransmitMs;
    }
    if (toB) link.freeAB = depart;
    else link.freeBA = depart;
    this.queue.push({ at: depart + link.latency, seq: 0, kind: "recv", link, toB, msg, hops });
    if (this.options.backpressure && msg.kind === "Flood") {
      if (toB) link.queuedAB++;
      else link.queuedBA++;
      this.queue.push({ at: depart, seq: 0, kind: "departed", link, fromA: toB });
      this.reportBacklog(from, link);
    }
  }
}

/** Rough encoded sizes of control messages (for bandwidth accounting only). */
function controlSize(msg: PeerMessage<SimPayload>): number {
  switch (msg.kind) {
    case "Welcome":
    case "Refuse":
    case "Disconnect":
      return 300 + 180 * msg.Referrals.length;
    case "Connect":
      return 450;
    default:
      return 200;
  }
}

/** The address of simulated node `i`. */
export function simAddress(i: number): PeerNodeAddress {
  const h = i.toString(16).padStart(12, "0");
  return {
    EndpointAddress: `net.tcp://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:31337/PeerChannelEndpoints/00000000-0000-4000-8000-${h}`,
    IPAddresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
  };
}

/** Pick `k` distinct indexes from `pool` using the simulator's seed stream. */
export function sample(random: RandomSource, pool: readonly number[], k: number): number[] {
  const copy = [...pool];
  const out: number[] = [];
  for (let i = 0; i < k && copy.length > 0; i++) {
    const j = randomInt(random, copy.length);
    out.push(copy[j]!);
    copy[j] = copy[copy.length - 1]!;
    copy.pop();
  }
  return out;
}
