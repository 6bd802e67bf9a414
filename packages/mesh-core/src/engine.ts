import { addressProblem, isUri, maskScopes, referralProblem, servicePath } from "./address.js";
import { type MeshConfig, resolveConfig } from "./config.js";
import { MeshError } from "./errors.js";
import type {
  AppMessage,
  CloseReason,
  ConnectionState,
  ConnId,
  MeshAction,
  MeshEvent,
  TimerId,
} from "./events.js";
import { MessageIdCache } from "./message-cache.js";
import {
  type ConnectMessage,
  type DisconnectMessage,
  type DisconnectReason,
  type FloodMessage,
  isDisconnectReason,
  isRefuseReason,
  type LinkUtilityMessage,
  PEER_FLOODER,
  type PeerMessage,
  type PeerNodeAddress,
  type Referral,
  type RefuseMessage,
  type RefuseReason,
  type RequestSecurityTokenMessage,
  type RequestSecurityTokenResponseMessage,
  RSTR_STATUS_VALID,
  type WelcomeMessage,
} from "./messages.js";
import { type RandomSource, randomGuid, randomInt, randomNodeId, shuffle } from "./random.js";
import { ReferralCache } from "./referral-cache.js";
import { isTrusted, type LinkUtilityIndex, newLinkUtility, updateLinkUtility } from "./utility.js";

/** A local channel type registration (MC-PRCH §3.1.1 "Channel type information"). */
export interface ChannelRegistration {
  /** The ChannelType URI; matched case-insensitively against PeerVia (WINDOWS-NOTES §1.3). */
  readonly via: string;
  /** Whether messages for this channel must carry a valid signature (message security). */
  readonly signed?: boolean | undefined;
  /** Largest message delivered locally, bytes (defaults to the engine's `maxMessageSize`). */
  readonly maxMessageSize?: number | undefined;
}

/** Options for {@link MeshEngine}. */
export interface MeshEngineOptions {
  /** The mesh name (the net.p2p host), used with the resolver (MC-PRCH §3.1.1). */
  readonly meshName: string;
  /** Our own PeerNodeAddress, as published and sent in Connect (MC-PRCH §3.1.4.1). */
  readonly address: PeerNodeAddress;
  /** Injected randomness: NodeId, MessageIDs, peer choice, throttle grace. */
  readonly random: RandomSource;
  /** Setting overrides (defaults are Windows' values). */
  readonly config?: Partial<MeshConfig>;
  /** Channel registrations to start with. */
  readonly channels?: readonly ChannelRegistration[];
  /** Fixed NodeId (tests); otherwise drawn from `random`. */
  readonly nodeId?: bigint;
}

/** Public view of one link. */
export interface NeighborInfo {
  readonly conn: ConnId;
  readonly state: ConnectionState;
  /** True when this node initiated the link. */
  readonly initiator: boolean;
  /** The remote NodeId once known (after Connect/Welcome). */
  readonly nodeId: bigint | undefined;
  readonly address: PeerNodeAddress | undefined;
  /** LinkUtilityIndex value and update count. */
  readonly utility: number;
  readonly utilityUpdates: number;
  /** Floods sent on the link not yet covered by a LinkUtility from the remote. */
  readonly unacknowledged: number;
  /** Send backlog last reported by the transport. */
  readonly pending: number;
  /** LinkUtilityInfo counters of floods received since our last LinkUtility (MC-PRCH §2.2.3.8). */
  readonly received: { readonly Useful: number; readonly Total: number };
}

/** Running totals, for the application and the simulator. */
export interface MeshCounters {
  floodsReceived: number;
  duplicates: number;
  delivered: number;
  forwardedMessages: number;
  forwardedCopies: number;
  sent: number;
  linkUtilitySent: number;
  linkUtilityReceived: number;
  connectsStarted: number;
  neighborsAdded: number;
  neighborsRemoved: number;
  aborts: number;
  refusalsSent: number;
  pruned: number;
  tooSlowAborts: number;
  throttlePauses: number;
  maintenanceRuns: number;
  resolves: number;
}

/**
 * A copy of the counters, written out field by field: a spread of an object
 * this size takes V8's slow path (microseconds), and hosts poll stats often.
 */
function copyCounters(c: MeshCounters): MeshCounters {
  return {
    floodsReceived: c.floodsReceived,
    duplicates: c.duplicates,
    delivered: c.delivered,
    forwardedMessages: c.forwardedMessages,
    forwardedCopies: c.forwardedCopies,
    sent: c.sent,
    linkUtilitySent: c.linkUtilitySent,
    linkUtilityReceived: c.linkUtilityReceived,
    connectsStarted: c.connectsStarted,
    neighborsAdded: c.neighborsAdded,
    neighborsRemoved: c.neighborsRemoved,
    aborts: c.aborts,
    refusalsSent: c.refusalsSent,
    pruned: c.pruned,
    tooSlowAborts: c.tooSlowAborts,
    throttlePauses: c.throttlePauses,
    maintenanceRuns: c.maintenanceRuns,
    resolves: c.resolves,
  };
}

interface Neighbor {
  readonly conn: ConnId;
  readonly initiator: boolean;
  state: ConnectionState;
  /** The transport link is up (false while an outgoing connect is in flight). */
  opened: boolean;
  nodeId: bigint | undefined;
  address: PeerNodeAddress | undefined;
  path: string | undefined;
  readonly utility: LinkUtilityIndex;
  /** LinkUtilityInfo counters for floods received since our last LinkUtility (MC-PRCH §2.2.3.8). */
  inTotal: number;
  inUseful: number;
  /** Floods we sent that the remote has not acknowledged with a LinkUtility (MC-PRCH §3.1.5.6). */
  unacked: number;
  pending: number;
}

/**
 * The flood with another hop count. Field by field, not a spread: a host may
 * pass a class whose MessageID is a getter (built only when read), which a
 * spread would drop.
 */
function withHops<P>(msg: FloodMessage<P>, hops: bigint): FloodMessage<P> {
  return {
    kind: "Flood",
    MessageID: msg.MessageID,
    messageKey: msg.messageKey,
    FloodMessage: msg.FloodMessage,
    PeerVia: msg.PeerVia,
    PeerTo: msg.PeerTo,
    Hops: hops,
    Signature: msg.Signature,
    SignatureValid: msg.SignatureValid,
    size: msg.size,
    payload: msg.payload,
  };
}

/** Offsets, in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, of each GUID byte in `Guid.ToByteArray` order. */
const GUID_BYTE_AT = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34];
/** Offsets of the dashes in `urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
const GUID_DASHES = [17, 22, 27, 32];

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

/**
 * The dedup key of a `urn:uuid:{GUID}` MessageID (any hex case): the GUID's
 * 16 bytes in UniqueId record order (.NET `Guid.ToByteArray`) as a one-byte
 * string — what a host scanning the wire passes as `FloodMessage.messageKey`.
 * Undefined when the id is not of that form (WINDOWS-NOTES §1.3: such a
 * flood aborts the neighbor).
 */
export function messageKeyOf(id: unknown): string | undefined {
  if (typeof id !== "string" || id.length !== 45 || !id.startsWith("urn:uuid:")) return undefined;
  for (const dash of GUID_DASHES) if (id.charCodeAt(dash) !== 0x2d) return undefined;
  const codes: number[] = new Array<number>(16);
  for (let i = 0; i < 16; i++) {
    const at = 9 + GUID_BYTE_AT[i]!;
    const hi = hexValue(id.charCodeAt(at));
    const lo = hexValue(id.charCodeAt(at + 1));
    if (hi < 0 || lo < 0) return undefined;
    codes[i] = (hi << 4) | lo;
  }
  return String.fromCharCode(...codes);
}
const U64_MAX = (1n << 64n) - 1n;
/** How early a timer may fire and still count as due (host timer granularity), ms. */
const TIMER_SLACK_MS = 5;
const MAINTENANCE: TimerId = "maintenance";
const CACHE: TimerId = "message-cache";
const THROTTLE: TimerId = "throttle";
const handshakeTimer = (c: ConnId): TimerId => `handshake:${c}`;
const utilityTimer = (c: ConnId): TimerId => `utility:${c}`;

type Out<P> = MeshAction<P>[];

/**
 * The Peer Channel node (MC-PRCH §3) as a deterministic state machine without I/O.
 *
 * Feed it {@link MeshEvent}s with the current time; it returns the {@link MeshAction}s to carry
 * out, in order. It never reads a clock, never draws randomness except from the injected
 * {@link RandomSource}, and never throws on anything a remote peer sends: bad input closes or
 * aborts that link.
 *
 * @typeParam P the transport's opaque payload handle carried by flood messages
 */
export class MeshEngine<P = unknown> {
  /** This node's NodeId: nonzero, unsigned 64-bit (MC-PRCH §3.1.1). */
  readonly nodeId: bigint;
  /** The mesh name (MC-PRCH §3.1.1). */
  readonly meshName: string;
  /** Effective settings. */
  readonly config: MeshConfig;
  /** The Referral cache (MC-PRCH §3.1.1). */
  readonly referrals: ReferralCache;

  private readonly random: RandomSource;
  private address: PeerNodeAddress;
  private selfPath: string;
  private readonly channels = new Map<string, ChannelRegistration>();
  private readonly links = new Map<ConnId, Neighbor>();
  private readonly timers = new Map<TimerId, number>();
  private readonly seen: MessageIdCache;
  private status: "idle" | "open" | "closed" = "idle";
  private nextConn = 1;
  private connectedCount = 0;
  private maintenanceRunsDone = 0;
  private resolvePending = false;
  private resolvesLeft = 0;
  private attemptsLeft = 0;
  private wasOnline = false;
  private paused = false;
  private pendingTotal = 0;
  private watched: ConnId | undefined;
  private watchedStart = 0;
  private readonly counters: MeshCounters = {
    floodsReceived: 0,
    duplicates: 0,
    delivered: 0,
    forwardedMessages: 0,
    forwardedCopies: 0,
    sent: 0,
    linkUtilitySent: 0,
    linkUtilityReceived: 0,
    connectsStarted: 0,
    neighborsAdded: 0,
    neighborsRemoved: 0,
    aborts: 0,
    refusalsSent: 0,
    pruned: 0,
    tooSlowAborts: 0,
    throttlePauses: 0,
    maintenanceRuns: 0,
    resolves: 0,
  };

  constructor(options: MeshEngineOptions) {
    this.config = resolveConfig(options.config);
    this.random = options.random;
    this.meshName = options.meshName;
    if (addressProblem(options.address) !== null) {
      throw new MeshError(
        "bad-config",
        `own address is invalid: ${addressProblem(options.address)}`,
      );
    }
    this.address = options.address;
    this.selfPath = servicePath(options.address);
    if (options.nodeId !== undefined && (options.nodeId <= 0n || options.nodeId > U64_MAX)) {
      throw new MeshError("bad-config", "nodeId must be a nonzero unsigned 64-bit value");
    }
    this.nodeId = options.nodeId ?? randomNodeId(this.random);
    this.referrals = new ReferralCache(this.config.referralCacheSize);
    this.seen = new MessageIdCache(
      this.config.messageCacheBuckets,
      this.config.messageCacheMaxPerBucket,
    );
    for (const c of options.channels ?? []) this.addChannel(c);
  }

  // ---------------------------------------------------------------- public API

  /** A fresh link id; hosts call this for each accepted (incoming) connection. */
  newConnectionId(): ConnId {
    return this.nextConn++;
  }

  /** Register a channel type (MC-PRCH §3.1.3.1). Replaces a registration with the same Via. */
  addChannel(reg: ChannelRegistration): void {
    if (!isUri(reg.via)) throw new MeshError("bad-call", `channel via is not a URI: ${reg.via}`);
    this.channels.set(reg.via.toLowerCase(), reg);
  }

  /** Remove a channel type registration. */
  removeChannel(via: string): void {
    this.channels.delete(via.toLowerCase());
  }

  /** Our current PeerNodeAddress. */
  get localAddress(): PeerNodeAddress {
    return this.address;
  }

  /** Whether the node is open (after `open`, before `close`). */
  get isOpen(): boolean {
    return this.status === "open";
  }

  /** Whether reading is paused by throttling. */
  get isThrottled(): boolean {
    return this.paused;
  }

  /** Number of links in the Connected state. */
  get neighborCount(): number {
    return this.connectedCount;
  }

  /** Snapshot of all links. */
  neighbors(): NeighborInfo[] {
    return [...this.links.values()].map((n) => ({
      conn: n.conn,
      state: n.state,
      initiator: n.initiator,
      nodeId: n.nodeId,
      address: n.address,
      utility: n.utility.value,
      utilityUpdates: n.utility.updates,
      unacknowledged: n.unacked,
      pending: n.pending,
      received: { Useful: n.inUseful, Total: n.inTotal },
    }));
  }

  /** NodeIds of Connected neighbors. */
  connectedNodeIds(): bigint[] {
    const out: bigint[] = [];
    for (const n of this.links.values()) {
      if (n.state === "Connected" && n.nodeId !== undefined) out.push(n.nodeId);
    }
    return out;
  }

  /** A copy of the running counters. */
  stats(): MeshCounters {
    return copyCounters(this.counters);
  }

  /** Number of ids in the MessageId cache. */
  get messageCacheSize(): number {
    return this.seen.size;
  }

  /** Timers currently armed, by id, with their due times. */
  armedTimers(): ReadonlyMap<TimerId, number> {
    return this.timers;
  }

  /**
   * Process one event at time `now` (ms) and return the actions to perform, in order.
   */
  handle(event: MeshEvent<P>, now: number): MeshAction<P>[] {
    const out: Out<P> = [];
    switch (event.type) {
      case "open":
        this.onOpen(now, out);
        break;
      case "close":
        this.onClose(now, out);
        break;
      case "connectionOpened":
        this.onConnectionOpened(event.conn, event.direction, now, out);
        break;
      case "connectionAuthenticated":
        this.onConnectionAuthenticated(event.conn, now, out);
        break;
      case "connectionClosed": {
        const n = this.links.get(event.conn);
        if (n !== undefined) this.removeLink(n, "RemoteClosed", now, out);
        break;
      }
      case "messageReceived":
        this.onMessage(event.conn, event.msg, now, out);
        break;
      case "timerFired":
        this.onTimer(event.id, now, out);
        break;
      case "send":
        this.onSend(event.message, out);
        break;
      case "resolverResolved":
        this.onResolved(event.addresses, now, out);
        break;
      case "resolverRegistered":
        if (event.shareReferrals !== undefined) this.config.shareReferrals = event.shareReferrals;
        break;
      case "backlog":
        this.onBacklog(event.total, event.connections, now, out);
        break;
      case "addressChanged":
        this.onAddressChanged(event.address, out);
        break;
      case "resumed":
        this.pingAll(out);
        break;
    }
    return out;
  }

  // ---------------------------------------------------------------- node lifecycle

  private onOpen(now: number, out: Out<P>): void {
    if (this.status !== "idle") return;
    this.status = "open";
    // MC-PRCH §3.1.4.1: publish our address and trigger maintenance at once (§3.1.2).
    out.push({ type: "register", meshName: this.meshName, address: this.address });
    this.setTimer(MAINTENANCE, now, out);
    this.setTimer(CACHE, now + this.config.messageCacheRotateMs, out);
  }

  private onClose(now: number, out: Out<P>): void {
    if (this.status !== "open") {
      this.status = "closed";
      return;
    }
    // Referrals are taken before any link goes, so every neighbor hears about all the others.
    const everyone = this.referralsFor(undefined, this.config.maxReferrals + 1);
    this.status = "closed";
    // MC-PRCH §3.1.4.3 / WINDOWS-NOTES §1.4: Disconnect(LeavingMesh) to all, then unregister.
    for (const n of [...this.links.values()]) {
      if (n.state === "Connected") {
        const referrals = everyone
          .filter((r) => r.NodeId !== n.nodeId)
          .slice(0, this.config.maxReferrals);
        this.sendMsg(n, { kind: "Disconnect", Reason: "LeavingMesh", Referrals: referrals }, out);
        this.closeLink(n, "LeavingMesh", now, out);
      } else {
        this.closeLink(n, "NodeClosing", now, out);
      }
    }
    for (const id of [...this.timers.keys()]) this.cancelTimer(id, out);
    if (this.paused) {
      this.paused = false;
      out.push({ type: "resumeReading" });
    }
    out.push({ type: "unregister", meshName: this.meshName });
  }

  private onAddressChanged(address: PeerNodeAddress, out: Out<P>): void {
    if (addressProblem(address) !== null) {
      throw new MeshError("bad-call", `new address is invalid: ${addressProblem(address)}`);
    }
    this.address = address;
    this.selfPath = servicePath(address);
    if (this.status !== "open") return;
    // WINDOWS-NOTES §1.4: an IP change sends Update to the resolver and pings all neighbors.
    out.push({ type: "update", meshName: this.meshName, address });
    this.pingAll(out);
  }

  private pingAll(out: Out<P>): void {
    if (this.status !== "open") return;
    for (const n of this.links.values()) {
      if (n.state === "Connected") this.sendMsg(n, { kind: "Ping" }, out);
    }
  }

  // ---------------------------------------------------------------- link lifecycle

  private onConnectionOpened(
    conn: ConnId,
    direction: "outgoing" | "incoming",
    now: number,
    out: Out<P>,
  ): void {
    let n = this.links.get(conn);
    if (direction === "outgoing") {
      if (n === undefined || !n.initiator || n.opened) {
        // A connect we already gave up on (timeout, close): drop the late link.
        out.push({ type: "abort", conn, reason: "NodeClosing" });
        return;
      }
      n.opened = true;
    } else {
      if (n !== undefined) throw new MeshError("bad-call", `connection id ${conn} is in use`);
      if (conn >= this.nextConn) this.nextConn = conn + 1;
      if (this.status !== "open") {
        out.push({ type: "abort", conn, reason: "NodeClosing" });
        return;
      }
      n = this.newLink(conn, false);
      n.opened = true;
      this.links.set(conn, n);
    }
    const sec = this.config.security;
    if (sec.mode === "none") {
      // MC-PRCH §3.1.6.4.5: without security both ends go straight to Authenticated.
      this.becomeAuthenticated(n, now, out);
      return;
    }
    // MC-PRCH §3.1.6.1 security handshake timer (Windows 2 min, WINDOWS-NOTES §1.6).
    this.setTimer(handshakeTimer(conn), now + this.config.securityTimeoutMs, out);
    if (sec.mode === "password" && n.initiator) {
      // MC-PRCH §3.1.6.4.8: only the initiator sends the RequestSecurityToken.
      this.sendMsg(
        n,
        { kind: "RequestSecurityToken", Authenticator: sec.localAuthenticator(conn) },
        out,
      );
    }
  }

  private onConnectionAuthenticated(conn: ConnId, now: number, out: Out<P>): void {
    const n = this.links.get(conn);
    if (n === undefined) return;
    if (this.config.security.mode !== "external" || n.state !== "Created" || !n.opened) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    this.becomeAuthenticated(n, now, out);
  }

  private becomeAuthenticated(n: Neighbor, now: number, out: Out<P>): void {
    n.state = "Authenticated";
    // MC-PRCH §3.1.6.4.9: the Connect handshake timer runs on both ends.
    this.setTimer(handshakeTimer(n.conn), now + this.config.connectTimeoutMs, out);
    if (!n.initiator) return;
    if (this.connectedCount >= this.config.maxNeighbors) {
      // WINDOWS-NOTES §1.4 step 2: an initiator already at MaxNeighborCount drops the new link.
      this.closeLink(n, "NodeBusy", now, out);
      return;
    }
    this.sendMsg(n, { kind: "Connect", Address: this.address, NodeId: this.nodeId }, out);
  }

  private becomeConnected(n: Neighbor, nodeId: bigint, now: number, out: Out<P>): void {
    n.state = "Connected";
    n.nodeId = nodeId;
    this.connectedCount++;
    this.counters.neighborsAdded++;
    this.cancelTimer(handshakeTimer(n.conn), out);
    // MC-PRCH §3.1.6.3 LinkUtility timer (Windows 30 s, WINDOWS-NOTES §1.5).
    this.setTimer(utilityTimer(n.conn), now + this.config.linkUtilityIntervalMs, out);
    out.push({ type: "neighborAdded", conn: n.conn, nodeId, initiator: n.initiator });
    if (!this.wasOnline) {
      this.wasOnline = true;
      out.push({ type: "online" });
    }
  }

  private newLink(conn: ConnId, initiator: boolean): Neighbor {
    return {
      conn,
      initiator,
      state: "Created",
      opened: false,
      nodeId: undefined,
      address: undefined,
      path: undefined,
      utility: newLinkUtility(),
      inTotal: 0,
      inUseful: 0,
      unacked: 0,
      pending: 0,
    };
  }

  /** Start an outgoing link to `address` (MC-PRCH §3.1.6.4.3). */
  private connectTo(address: PeerNodeAddress, now: number, out: Out<P>): void {
    const conn = this.newConnectionId();
    const n = this.newLink(conn, true);
    n.address = address;
    n.path = servicePath(address);
    this.links.set(conn, n);
    this.counters.connectsStarted++;
    // MC-PRCH §3.1.6.4.4: the connect timer covers the TCP connect too.
    this.setTimer(handshakeTimer(conn), now + this.config.connectTimeoutMs, out);
    out.push({ type: "connect", conn, address });
  }

  private closeLink(n: Neighbor, reason: CloseReason, now: number, out: Out<P>): void {
    out.push({ type: "close", conn: n.conn, reason });
    this.removeLink(n, reason, now, out);
  }

  /**
   * Abort a link. MC-PRCH §3.1.5.8.1.1: "A node MUST send a Fault message in all cases where a
   * connection must be aborted" — we queue one first when the link is up.
   */
  private abortLink(n: Neighbor, reason: CloseReason, now: number, out: Out<P>): void {
    if (this.config.faultOnAbort && n.opened) {
      out.push({ type: "send", conn: n.conn, msg: { kind: "Fault", Reason: reason } });
    }
    this.counters.aborts++;
    out.push({ type: "abort", conn: n.conn, reason });
    this.removeLink(n, reason, now, out);
  }

  private removeLink(n: Neighbor, reason: CloseReason, now: number, out: Out<P>): void {
    if (this.links.get(n.conn) !== n) return;
    this.links.delete(n.conn);
    this.cancelTimer(handshakeTimer(n.conn), out);
    this.cancelTimer(utilityTimer(n.conn), out);
    if (n.state === "Connected") {
      this.connectedCount--;
      this.counters.neighborsRemoved++;
      out.push({ type: "neighborRemoved", conn: n.conn, nodeId: n.nodeId ?? 0n, reason });
      if (this.connectedCount === 0 && this.wasOnline) {
        this.wasOnline = false;
        out.push({ type: "offline" });
      }
      // MC-PRCH §3.1.2 / WINDOWS-NOTES §1.4: dropping below MinNeighborCount runs maintenance now.
      if (this.status === "open" && this.connectedCount < this.config.minNeighbors) {
        const due = this.timers.get(MAINTENANCE);
        if (due === undefined || due > now) this.setTimer(MAINTENANCE, now, out);
      }
    } else if (n.initiator && this.status === "open" && this.attemptsLeft > 0) {
      // Like Windows' maintainer loop (ConnectAlgorithms), a failed or refused attempt moves on to
      // the next candidate — often a referral the Refuse just brought — within the run's budget.
      this.acquire(now, out);
    }
    if (this.watched === n.conn) {
      this.watched = undefined;
      this.cancelTimer(THROTTLE, out);
      this.evaluateThrottle(now, out);
    }
  }

  // ---------------------------------------------------------------- messages

  private onMessage(conn: ConnId, msg: PeerMessage<P>, now: number, out: Out<P>): void {
    const n = this.links.get(conn);
    // MC-PRCH §3.1.6.1/§3.1.6.2: messages on a link whose state was deleted are dropped.
    if (n === undefined || !n.opened || this.status !== "open") return;
    if (msg === null || typeof msg !== "object") {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    switch (msg.kind) {
      case "Flood":
        this.onFlood(n, msg, now, out);
        break;
      case "Connect":
        this.onConnect(n, msg, now, out);
        break;
      case "Welcome":
        this.onWelcome(n, msg, now, out);
        break;
      case "Refuse":
        this.onRefuse(n, msg, now, out);
        break;
      case "Disconnect":
        this.onDisconnect(n, msg, now, out);
        break;
      case "LinkUtility":
        this.onLinkUtility(n, msg, now, out);
        break;
      case "Ping":
        // MC-PRCH §3.1.5.7.1.1: no response, extra content ignored.
        break;
      case "Fault":
        // WINDOWS-NOTES §1.4: a received Fault aborts the neighbor.
        this.counters.aborts++;
        out.push({ type: "abort", conn: n.conn, reason: "Faulted" });
        this.removeLink(n, "Faulted", now, out);
        break;
      case "RequestSecurityToken":
        this.onRequestSecurityToken(n, msg, now, out);
        break;
      case "RequestSecurityTokenResponse":
        this.onRequestSecurityTokenResponse(n, msg, now, out);
        break;
      default:
        this.abortLink(n, "ProtocolError", now, out);
    }
  }

  /** MC-PRCH §3.1.5.1.1.1. */
  private onRequestSecurityToken(
    n: Neighbor,
    msg: RequestSecurityTokenMessage,
    now: number,
    out: Out<P>,
  ): void {
    const sec = this.config.security;
    if (n.state !== "Created" || sec.mode !== "password" || n.initiator) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    if (typeof msg.Authenticator !== "string" || !sec.verifyRemote(n.conn, msg.Authenticator)) {
      // WINDOWS-NOTES §1.6: on a wrong token the responder aborts without replying.
      this.counters.aborts++;
      out.push({ type: "abort", conn: n.conn, reason: "AuthenticationFailed" });
      this.removeLink(n, "AuthenticationFailed", now, out);
      return;
    }
    this.sendMsg(
      n,
      {
        kind: "RequestSecurityTokenResponse",
        Status: RSTR_STATUS_VALID,
        Authenticator: sec.localAuthenticator(n.conn),
      },
      out,
    );
    this.becomeAuthenticated(n, now, out);
  }

  /** MC-PRCH §3.1.5.1.1.2. */
  private onRequestSecurityTokenResponse(
    n: Neighbor,
    msg: RequestSecurityTokenResponseMessage,
    now: number,
    out: Out<P>,
  ): void {
    const sec = this.config.security;
    if (n.state !== "Created" || sec.mode !== "password" || !n.initiator) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    if (msg.Status !== RSTR_STATUS_VALID) {
      this.abortLink(n, "AuthenticationFailed", now, out);
      return;
    }
    if (typeof msg.Authenticator !== "string" || !sec.verifyRemote(n.conn, msg.Authenticator)) {
      this.abortLink(n, "AuthenticationFailed", now, out);
      return;
    }
    this.becomeAuthenticated(n, now, out);
  }

  /** MC-PRCH §3.1.5.2.1.1 (responder side of the Connect handshake). */
  private onConnect(n: Neighbor, msg: ConnectMessage, now: number, out: Out<P>): void {
    if (n.state !== "Authenticated" || n.initiator) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    const id = msg.NodeId;
    if (
      typeof id !== "bigint" ||
      id <= 0n ||
      id > U64_MAX ||
      addressProblem(msg.Address) !== null
    ) {
      // WINDOWS-NOTES §1.4 step 3: an invalid address is a silent abort (no Fault).
      this.counters.aborts++;
      out.push({ type: "abort", conn: n.conn, reason: "InvalidNeighbor" });
      this.removeLink(n, "InvalidNeighbor", now, out);
      return;
    }
    n.address = msg.Address;
    n.path = servicePath(msg.Address);
    if (id === this.nodeId) {
      this.refuse(n, "DuplicateNodeId", now, out);
      return;
    }
    if (this.connectedCount >= this.config.maxNeighbors) {
      // WINDOWS-NOTES §1.4 step 3: at MaxNeighborCount the responder refuses with NodeBusy.
      this.refuse(n, "NodeBusy", now, out);
      return;
    }
    const old = this.findConnectedByNodeId(id, n);
    if (old !== undefined) {
      // Ping the existing link first. The engine cannot wait for the Ping's outcome: if it fails,
      // the transport reports the old link closed and maintenance repairs the mesh.
      this.sendMsg(old, { kind: "Ping" }, out);
      if (!old.initiator) {
        // Both links were started by the remote: drop the new one.
        this.refuse(n, "DuplicateNeighbor", now, out);
        return;
      }
      // The links were started by different nodes: close the one started by the larger NodeId.
      // The new link was started by the remote.
      if (id > this.nodeId) {
        this.refuse(n, "DuplicateNeighbor", now, out);
        return;
      }
      this.disconnect(old, "DuplicateNeighbor", now, out);
    }
    this.sendMsg(
      n,
      { kind: "Welcome", NodeId: this.nodeId, Referrals: this.referralsFor(undefined) },
      out,
    );
    this.becomeConnected(n, id, now, out);
  }

  /** MC-PRCH §3.1.5.3.1.1 (initiator side). */
  private onWelcome(n: Neighbor, msg: WelcomeMessage, now: number, out: Out<P>): void {
    if (n.state !== "Authenticated" || !n.initiator) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    const id = msg.NodeId;
    if (typeof id !== "bigint" || id <= 0n || id > U64_MAX) {
      this.closeLink(n, "InvalidNeighbor", now, out);
      return;
    }
    if (id === this.nodeId) {
      this.disconnect(n, "DuplicateNodeId", now, out);
      return;
    }
    const old = this.findConnectedByNodeId(id, n);
    if (old !== undefined) {
      this.sendMsg(old, { kind: "Ping" }, out);
      if (old.initiator) {
        // We started both links: the new one goes, with a Refuse as §3.1.5.3.1.1 prescribes.
        this.sendMsg(n, { kind: "Refuse", Reason: "DuplicateNeighbor", Referrals: [] }, out);
        this.counters.refusalsSent++;
        this.closeLink(n, "DuplicateNeighbor", now, out);
        return;
      }
      // The old link was started by the remote, the new one by us: close the larger NodeId's.
      if (this.nodeId > id) {
        this.disconnect(n, "DuplicateNeighbor", now, out);
        return;
      }
      this.disconnect(old, "DuplicateNeighbor", now, out);
    }
    if (this.connectedCount >= this.config.maxNeighbors) {
      // Links accepted while our Connect was in flight filled us up; MC-PRCH §3.1.6.4 allows
      // "no more than MaxNeighborCount", so this one goes.
      this.disconnect(n, "NodeBusy", now, out);
      return;
    }
    const referrals = Array.isArray(msg.Referrals) ? msg.Referrals : [];
    // WINDOWS-NOTES §1.4: one invalid referral in a Welcome closes the sender as InvalidNeighbor.
    if (!Array.isArray(msg.Referrals) || referrals.some((r) => referralProblem(r) !== null)) {
      this.closeLink(n, "InvalidNeighbor", now, out);
      return;
    }
    this.cacheReferrals(referrals);
    this.becomeConnected(n, id, now, out);
  }

  /** MC-PRCH §3.1.5.4.1.1. */
  private onRefuse(n: Neighbor, msg: RefuseMessage, now: number, out: Out<P>): void {
    if (n.state !== "Authenticated" || !n.initiator) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    // An unknown reason means the referrals must not be used.
    if (isRefuseReason(msg.Reason) && Array.isArray(msg.Referrals)) {
      this.cacheReferrals(msg.Referrals.filter((r) => referralProblem(r) === null));
    }
    this.closeLink(n, "Refused", now, out);
  }

  /** MC-PRCH §3.1.5.5.1.1. */
  private onDisconnect(n: Neighbor, msg: DisconnectMessage, now: number, out: Out<P>): void {
    if (n.state !== "Connected") {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    if (!isDisconnectReason(msg.Reason)) {
      // The spec says abort; Windows closes silently on an unknown reason (WINDOWS-NOTES §1.2).
      this.closeLink(n, "ProtocolError", now, out);
      return;
    }
    if (Array.isArray(msg.Referrals)) {
      this.cacheReferrals(msg.Referrals.filter((r) => referralProblem(r) === null));
    }
    this.closeLink(n, msg.Reason, now, out);
  }

  /** MC-PRCH §3.1.5.6.1.1 with Windows' bounds (WINDOWS-NOTES §1.5). */
  private onLinkUtility(n: Neighbor, msg: LinkUtilityMessage, now: number, out: Out<P>): void {
    if (n.state !== "Connected") {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    const { Useful, Total } = msg;
    if (
      !Number.isInteger(Useful) ||
      !Number.isInteger(Total) ||
      Useful < 0 ||
      Total < 0 ||
      Total > this.config.ackWindow ||
      Useful > Total ||
      Total > n.unacked
    ) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    this.counters.linkUtilityReceived++;
    // The remote's verdict on what we sent it feeds the same per-link index.
    for (let i = 0; i < Total; i++) updateLinkUtility(n.utility, i < Useful);
    n.unacked -= Total;
  }

  /** MC-PRCH §3.1.5.9.1.1 with Windows' differences (WINDOWS-NOTES §1.3). */
  private onFlood(n: Neighbor, msg: FloodMessage<P>, now: number, out: Out<P>): void {
    if (n.state !== "Connected") {
      this.closeLink(n, "ProtocolError", now, out);
      return;
    }
    // Malformed peer headers or a non-GUID MessageID abort the neighbor (WINDOWS-NOTES §1.3).
    const guid =
      typeof msg.messageKey === "string" && msg.messageKey.length === 16
        ? msg.messageKey
        : messageKeyOf(msg.MessageID);
    if (
      msg.FloodMessage !== PEER_FLOODER ||
      !isUri(msg.PeerVia) ||
      !isUri(msg.PeerTo) ||
      guid === undefined ||
      typeof msg.size !== "number"
    ) {
      this.abortLink(n, "ProtocolError", now, out);
      return;
    }
    let hops: bigint | undefined;
    if (msg.Hops !== undefined) {
      hops = parseHops(msg.Hops);
      if (hops === undefined && this.config.strictHopCount) {
        this.abortLink(n, "ProtocolError", now, out);
        return;
      }
    }
    this.counters.floodsReceived++;
    const channel = this.channels.get(msg.PeerVia.toLowerCase());
    let key = guid;
    let deliverable = channel !== undefined;
    if (channel?.signed === true) {
      if (msg.Signature instanceof Uint8Array && msg.SignatureValid === true) {
        // MC-PRCH §3.2.4.1.1: the signature bytes identify a signed message.
        key = `s:${hex(msg.Signature)}`;
      } else {
        // The spec aborts the neighbor; Windows forwards but does not deliver (WINDOWS-NOTES §1.3).
        deliverable = false;
      }
    }
    const age = this.seen.age(key);
    if (age >= 0) {
      this.counters.duplicates++;
      n.inTotal++;
      updateLinkUtility(n.utility, false);
      // WINDOWS-NOTES §1.3 / MC-PRCH §3.1.5.9.1.1 step 6: a late duplicate also lowers utility.
      if (age > this.config.lateDuplicateBuckets) updateLinkUtility(n.utility, false);
      this.runLinkUtilityProtocol(n, out);
      return;
    }
    this.seen.add(key);
    if (deliverable && channel !== undefined) {
      const limit = channel.maxMessageSize ?? this.config.maxMessageSize;
      if (msg.size <= limit) {
        this.counters.delivered++;
        out.push({ type: "deliver", channel: channel.via, msg });
      }
    }
    // Hops: decrement, forward only if the result is above zero; absent (or, as Windows does,
    // unparseable) means no limit. A received 0 is not forwarded (Windows may wrap; unconfirmed).
    let fwd: FloodMessage<P> | undefined = msg;
    if (hops !== undefined) fwd = hops > 1n ? withHops(msg, hops - 1n) : undefined;
    if (fwd !== undefined) this.floodTo(fwd, n, out);
    n.inTotal++;
    n.inUseful++;
    updateLinkUtility(n.utility, true);
    this.runLinkUtilityProtocol(n, out);
  }

  /** MC-PRCH §3.2.4.1.1: a LinkUtility goes out after 32 received floods. */
  private runLinkUtilityProtocol(n: Neighbor, out: Out<P>): void {
    if (n.inTotal >= this.config.linkUtilityThreshold) this.sendLinkUtility(n, out);
  }

  private sendLinkUtility(n: Neighbor, out: Out<P>): void {
    this.counters.linkUtilitySent++;
    this.sendMsg(n, { kind: "LinkUtility", Useful: n.inUseful, Total: n.inTotal }, out);
    n.inTotal = 0;
    n.inUseful = 0;
  }

  private floodTo(msg: FloodMessage<P>, except: Neighbor | undefined, out: Out<P>): void {
    const conns: ConnId[] = [];
    for (const m of this.links.values()) {
      if (m.state !== "Connected" || m === except) continue;
      conns.push(m.conn);
      m.unacked++;
    }
    if (conns.length === 0) return;
    if (except !== undefined) {
      this.counters.forwardedMessages++;
      this.counters.forwardedCopies += conns.length;
    }
    out.push({ type: "flood", conns, msg });
  }

  // ---------------------------------------------------------------- sending

  private onSend(m: AppMessage<P>, out: Out<P>): void {
    if (this.status !== "open") throw new MeshError("bad-call", "send on a node that is not open");
    const to = m.to ?? m.via;
    if (!isUri(m.via) || !isUri(to)) throw new MeshError("bad-call", "via/to must be URIs");
    if (m.hops !== undefined && (m.hops < 0n || m.hops > U64_MAX)) {
      throw new MeshError("bad-call", "hops must be an unsigned 64-bit value");
    }
    const id = `urn:uuid:${randomGuid(this.random)}`;
    const key = messageKeyOf(id)!;
    const msg: FloodMessage<P> = {
      kind: "Flood",
      MessageID: id,
      messageKey: key,
      FloodMessage: PEER_FLOODER,
      PeerVia: m.via,
      PeerTo: to,
      Hops: m.hops,
      size: m.size,
      payload: m.payload,
    };
    // WINDOWS-NOTES §1.3: own sends are recorded in the dedup cache too.
    this.seen.add(key);
    this.counters.sent++;
    if (this.config.loopback) {
      const channel = this.channels.get(m.via.toLowerCase());
      if (
        channel !== undefined &&
        m.size <= (channel.maxMessageSize ?? this.config.maxMessageSize)
      ) {
        this.counters.delivered++;
        out.push({ type: "deliver", channel: channel.via, msg });
      }
    }
    // The sender never checks its own hop count (WINDOWS-NOTES §1.3); zero neighbors is not an error.
    this.floodTo(msg, undefined, out);
  }

  private sendMsg(n: Neighbor, msg: PeerMessage<P>, out: Out<P>): void {
    out.push({ type: "send", conn: n.conn, msg });
  }

  private refuse(n: Neighbor, reason: RefuseReason, now: number, out: Out<P>): void {
    this.counters.refusalsSent++;
    this.sendMsg(n, { kind: "Refuse", Reason: reason, Referrals: this.referralsFor(n) }, out);
    this.closeLink(n, reason, now, out);
  }

  private disconnect(n: Neighbor, reason: DisconnectReason, now: number, out: Out<P>): void {
    this.sendMsg(n, { kind: "Disconnect", Reason: reason, Referrals: this.referralsFor(n) }, out);
    this.closeLink(n, reason, now, out);
  }

  /**
   * Referrals we hand out: the first min(maxReferrals, connected) Connected neighbors other than
   * the recipient, scope ids masked, none when sharing is off (WINDOWS-NOTES §1.4).
   */
  private referralsFor(except: Neighbor | undefined, max = this.config.maxReferrals): Referral[] {
    if (!this.config.shareReferrals) return [];
    const out: Referral[] = [];
    for (const m of this.links.values()) {
      if (out.length >= max) break;
      if (m === except || m.state !== "Connected") continue;
      if (m.nodeId === undefined || m.address === undefined) continue;
      out.push({ NodeId: m.nodeId, Address: maskScopes(m.address) });
    }
    return out;
  }

  private cacheReferrals(list: readonly Referral[]): void {
    if (!this.config.shareReferrals) return;
    const limit = Math.min(list.length, this.config.referralCacheSize);
    for (let i = 0; i < limit; i++) {
      const r = list[i]!;
      if (r.NodeId === this.nodeId || servicePath(r.Address) === this.selfPath) continue;
      this.referrals.add(r.Address, r.NodeId);
    }
  }

  private findConnectedByNodeId(id: bigint, except: Neighbor): Neighbor | undefined {
    for (const m of this.links.values()) {
      if (m !== except && m.state === "Connected" && m.nodeId === id) return m;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- timers

  private setTimer(id: TimerId, at: number, out: Out<P>): void {
    this.timers.set(id, at);
    out.push({ type: "setTimer", id, at });
  }

  private cancelTimer(id: TimerId, out: Out<P>): void {
    if (this.timers.delete(id)) out.push({ type: "cancelTimer", id });
  }

  private onTimer(id: TimerId, now: number, out: Out<P>): void {
    const at = this.timers.get(id);
    // A fire for a timer we cancelled is stale. Real timer APIs run on a coarser clock than `now`
    // (libuv rounds to whole ms), so a fire a few ms early still counts. One earlier than that
    // (a host on another clock, or a fire for a timer re-armed later) spent the host's timer
    // without reaching `at`: ask for it again, or it would never fire.
    if (at === undefined) return;
    if (at > now + TIMER_SLACK_MS) {
      out.push({ type: "setTimer", id, at });
      return;
    }
    this.timers.delete(id);
    if (this.status !== "open") return;
    if (id === MAINTENANCE) {
      this.runMaintenance(now, out);
    } else if (id === CACHE) {
      this.seen.rotate();
      this.setTimer(CACHE, now + this.config.messageCacheRotateMs, out);
    } else if (id === THROTTLE) {
      this.onGraceExpired(now, out);
    } else if (id.startsWith("handshake:")) {
      const n = this.links.get(Number(id.slice(10)));
      // MC-PRCH §3.1.6.1–§3.1.6.2: the link is aborted and its state deleted.
      if (n !== undefined && n.state !== "Connected")
        this.abortLink(n, "HandshakeTimeout", now, out);
    } else if (id.startsWith("utility:")) {
      const n = this.links.get(Number(id.slice(8)));
      if (n === undefined || n.state !== "Connected") return;
      // MC-PRCH §3.1.6.3: nothing is sent if nothing arrived since the last LinkUtility.
      if (n.inTotal > 0) this.sendLinkUtility(n, out);
      this.setTimer(id, now + this.config.linkUtilityIntervalMs, out);
    }
  }

  // ---------------------------------------------------------------- maintenance

  private outgoingInProgress(): number {
    let k = 0;
    for (const n of this.links.values()) if (n.initiator && n.state !== "Connected") k++;
    return k;
  }

  /** MC-PRCH §3.1.6.4.1 with Windows' details (WINDOWS-NOTES §1.4, ConnectAlgorithms). */
  private runMaintenance(now: number, out: Out<P>): void {
    this.counters.maintenanceRuns++;
    const first = this.maintenanceRunsDone === 0;
    this.maintenanceRunsDone++;
    const ideal = this.config.idealNeighbors;
    if (this.connectedCount > ideal) {
      this.prune(now, out);
    } else if (this.connectedCount < ideal) {
      // Windows' initial run aims for MinNeighborCount, later runs for IdealNeighborCount.
      this.resolvesLeft = first ? 1 : this.config.resolvesPerMaintenance;
      this.attemptsLeft = this.config.connectAttemptsPerMaintenance;
      this.acquire(now, out);
    }
    if (this.status !== "open") return;
    // MC-PRCH §3.1.2: 10 s retry while alone, else 5 min (WINDOWS-NOTES §1.4: "next run after 10 s
    // if alone"; the spec stops retrying after the second run, Windows keeps retrying).
    const delay =
      this.connectedCount === 0
        ? this.config.maintenanceRetryMs
        : this.config.maintenanceIntervalMs;
    this.setTimer(MAINTENANCE, now + delay, out);
  }

  private maintenanceTarget(): number {
    return this.maintenanceRunsDone <= 1 ? this.config.minNeighbors : this.config.idealNeighbors;
  }

  /** Connect to more nodes: the Referral cache first, then the resolver (MC-PRCH §3.1.6.4). */
  private acquire(now: number, out: Out<P>): void {
    let need = this.maintenanceTarget() - this.connectedCount - this.outgoingInProgress();
    if (need <= 0) return;
    if (this.config.shareReferrals) need = this.connectFromCache(need, now, out);
    if (need > 0 && !this.resolvePending && this.resolvesLeft > 0) {
      this.resolvesLeft--;
      this.resolvePending = true;
      this.counters.resolves++;
      out.push({
        type: "resolve",
        meshName: this.meshName,
        maxAddresses: this.config.resolveAddresses,
      });
    }
  }

  private isKnownPath(path: string): boolean {
    if (path === this.selfPath) return true;
    for (const n of this.links.values()) if (n.path === path) return true;
    return false;
  }

  private isKnownNodeId(id: bigint | undefined): boolean {
    if (id === undefined) return false;
    if (id === this.nodeId) return true;
    for (const n of this.links.values()) if (n.nodeId === id) return true;
    return false;
  }

  private connectFromCache(need: number, now: number, out: Out<P>): number {
    const candidates = shuffle(this.random, this.referrals.list());
    for (const [key, entry] of candidates) {
      if (need <= 0 || this.attemptsLeft <= 0) break;
      this.referrals.take(key);
      if (this.isKnownPath(key) || this.isKnownNodeId(entry.nodeId)) continue;
      this.attemptsLeft--;
      this.connectTo(entry.address, now, out);
      need--;
    }
    return need;
  }

  private onResolved(addresses: readonly PeerNodeAddress[], now: number, out: Out<P>): void {
    this.resolvePending = false;
    if (this.status !== "open" || !Array.isArray(addresses)) return;
    // MC-PRCH §3.1.6.4.1 step 3: resolver results update the Referral cache, then we connect.
    const limit = Math.min(addresses.length, this.config.referralCacheSize);
    for (let i = 0; i < limit; i++) {
      const a = addresses[i]!;
      if (addressProblem(a) !== null || servicePath(a) === this.selfPath) continue;
      this.referrals.add(a, undefined);
    }
    let need = this.maintenanceTarget() - this.connectedCount - this.outgoingInProgress();
    if (need <= 0) return;
    need = this.connectFromCache(need, now, out);
    if (need > 0) this.acquire(now, out);
  }

  /** MC-PRCH §3.1.6.4.2: drop the least useful trusted neighbors down to IdealNeighborCount. */
  private prune(now: number, out: Out<P>): void {
    const bound = this.links.size;
    for (let i = 0; i < bound && this.connectedCount > this.config.idealNeighbors; i++) {
      let worst: Neighbor | undefined;
      for (const n of this.links.values()) {
        if (n.state !== "Connected" || !isTrusted(n.utility, this.config.utilityTrustedAfter)) {
          continue;
        }
        if (worst === undefined || n.utility.value < worst.utility.value) worst = n;
      }
      if (worst === undefined) return;
      this.counters.pruned++;
      this.disconnect(worst, "NotUsefulNeighbor", now, out);
    }
  }

  // ---------------------------------------------------------------- throttling

  private onBacklog(
    total: number,
    conns: readonly (readonly [ConnId, number])[],
    now: number,
    out: Out<P>,
  ): void {
    if (this.status !== "open") return;
    this.pendingTotal = Number.isFinite(total) && total > 0 ? total : 0;
    for (const [c, p] of conns) {
      const n = this.links.get(c);
      if (n !== undefined) n.pending = Number.isFinite(p) && p > 0 ? p : 0;
    }
    this.evaluateThrottle(now, out);
  }

  /**
   * MC-PRCH §3.1.5.9 throttling with Windows' numbers (§7 notes <4>–<7>, WINDOWS-NOTES §1.5): stop
   * reading at the limit, watch the neighbor with the most pending (> 32), stop watching at ≤ 8,
   * and read again only once the node is below the limit and nobody is being watched.
   */
  private evaluateThrottle(now: number, out: Out<P>): void {
    if (this.status !== "open") return;
    const cfg = this.config;
    if (this.watched !== undefined) {
      const w = this.links.get(this.watched);
      if (w === undefined || w.pending <= cfg.throttleResumeAt) {
        this.watched = undefined;
        this.cancelTimer(THROTTLE, out);
      }
    }
    if (!this.paused && this.pendingTotal >= cfg.throttleLimit) {
      this.paused = true;
      this.counters.throttlePauses++;
      out.push({ type: "pauseReading" });
    }
    if (!this.paused) return;
    if (this.watched === undefined) {
      let slowest: Neighbor | undefined;
      for (const n of this.links.values()) {
        if (n.state !== "Connected" || n.pending <= cfg.throttleWatchMin) continue;
        if (slowest === undefined || n.pending > slowest.pending) slowest = n;
      }
      if (slowest !== undefined) {
        this.watched = slowest.conn;
        this.watchedStart = slowest.pending;
        const span = cfg.throttleGraceMaxMs - cfg.throttleGraceMinMs;
        const grace = cfg.throttleGraceMinMs + (span > 0 ? randomInt(this.random, span + 1) : 0);
        this.setTimer(THROTTLE, now + grace, out);
      }
    }
    if (this.watched === undefined && this.pendingTotal < cfg.throttleLimit) {
      this.paused = false;
      out.push({ type: "resumeReading" });
    }
  }

  private onGraceExpired(now: number, out: Out<P>): void {
    const w = this.watched === undefined ? undefined : this.links.get(this.watched);
    this.watched = undefined;
    // The slowest neighbor had to halve its backlog; otherwise it goes — but never the last one.
    if (w !== undefined && w.pending * 2 > this.watchedStart && this.connectedCount > 1) {
      this.counters.tooSlowAborts++;
      this.abortLink(w, "NodeTooSlow", now, out);
    }
    this.evaluateThrottle(now, out);
  }
}

function parseHops(h: bigint | string): bigint | undefined {
  if (typeof h === "bigint") return h >= 0n && h <= U64_MAX ? h : undefined;
  if (typeof h !== "string") return undefined;
  const t = h.trim();
  if (!/^\+?\d{1,20}$/.test(t)) return undefined;
  const v = BigInt(t.replace("+", ""));
  return v <= U64_MAX ? v : undefined;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
