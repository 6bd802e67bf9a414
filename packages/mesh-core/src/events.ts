import type { DisconnectReason, FloodMessage, PeerMessage, PeerNodeAddress } from "./messages.js";

/**
 * A neighbor link, named by a number the engine hands out ({@link MeshEngine.newConnectionId});
 * outgoing links get theirs in the `connect` action, the host asks for one per accepted link.
 */
export type ConnId = number;

/**
 * A timer name. Setting a timer replaces any timer of the same name. Hosts fire it with
 * `now >= at` (never early).
 */
export type TimerId = string;

/** MC-PRCH §3.1.1 ConnectionState. */
export type ConnectionState = "Created" | "Authenticated" | "Connected";

/** An application message handed to the engine for flooding (MC-PRCH §3.2.4.1). */
export interface AppMessage<P = unknown> {
  /** The channel type URI (becomes PeerVia). */
  readonly via: string;
  /** The original wsa:To (becomes PeerTo); defaults to `via` as the spec recommends. */
  readonly to?: string | undefined;
  /** Optional hop limit (the `Hops` header). */
  readonly hops?: bigint | undefined;
  /** Encoded size in bytes. */
  readonly size: number;
  /** Opaque handle for the transport. */
  readonly payload: P;
}

/** What happens to the engine. Every event comes with the current time in ms (`handle(e, now)`). */
export type MeshEvent<P = unknown> =
  /** Open the node: register with the resolver and start maintenance (MC-PRCH §3.1.4.1). */
  | { readonly type: "open" }
  /** A TCP (or TLS) link is up; ConnectionState Created (MC-PRCH §3.1.6.4.4). */
  | {
      readonly type: "connectionOpened";
      readonly conn: ConnId;
      readonly direction: "outgoing" | "incoming";
    }
  /** The security layer accepted the link (security mode `external`). */
  | { readonly type: "connectionAuthenticated"; readonly conn: ConnId }
  /** The link is gone: closed by the remote, reset, or an outgoing connect failed. */
  | { readonly type: "connectionClosed"; readonly conn: ConnId; readonly error?: string }
  /** A decoded message arrived on a link. */
  | { readonly type: "messageReceived"; readonly conn: ConnId; readonly msg: PeerMessage<P> }
  /** A timer set by a `setTimer` action is due. */
  | { readonly type: "timerFired"; readonly id: TimerId }
  /** The application sends a message to the mesh (MC-PRCH §3.2.4.1). */
  | { readonly type: "send"; readonly message: AppMessage<P> }
  /** The resolver answered a Resolve (empty on failure). */
  | { readonly type: "resolverResolved"; readonly addresses: readonly PeerNodeAddress[] }
  /** The resolver accepted our registration; may say whether referrals are shared. */
  | { readonly type: "resolverRegistered"; readonly shareReferrals?: boolean }
  /**
   * Send backlog snapshot from the transport (MC-PRCH §3.1.5.9 throttling): `total` pending
   * messages at the node (a message queued on several links counts once) and per-link counts.
   */
  | {
      readonly type: "backlog";
      readonly total: number;
      readonly connections: readonly (readonly [ConnId, number])[];
    }
  /** Our listen addresses changed: update the resolver and ping every neighbor. */
  | { readonly type: "addressChanged"; readonly address: PeerNodeAddress }
  /** The machine resumed from standby: ping every neighbor (MC-PRCH §2.2.3.9). */
  | { readonly type: "resumed" }
  /** Close the node gracefully (MC-PRCH §3.1.4.3). */
  | { readonly type: "close" };

/** Why the engine closed or aborted a link (the protocol reasons plus local ones). */
export type CloseReason =
  | DisconnectReason
  | "Refused"
  | "InvalidNeighbor"
  | "ProtocolError"
  | "AuthenticationFailed"
  | "HandshakeTimeout"
  | "NodeTooSlow"
  | "Faulted"
  | "RemoteClosed"
  | "NodeClosing";

/** What the engine asks the host to do, in order. */
export type MeshAction<P = unknown> =
  /** Send a protocol message on a link. */
  | { readonly type: "send"; readonly conn: ConnId; readonly msg: PeerMessage<P> }
  /**
   * Send one flood message on several links. For a forwarded message `msg.payload` is the received
   * handle and only the hop count may differ, so the transport can reuse the received bytes.
   */
  | { readonly type: "flood"; readonly conns: readonly ConnId[]; readonly msg: FloodMessage<P> }
  /** Open an outgoing link to a node; report `connectionOpened` or `connectionClosed` for `conn`. */
  | { readonly type: "connect"; readonly conn: ConnId; readonly address: PeerNodeAddress }
  /** Close a link gracefully once queued sends are written. */
  | { readonly type: "close"; readonly conn: ConnId; readonly reason: CloseReason }
  /** Drop a link at once. */
  | { readonly type: "abort"; readonly conn: ConnId; readonly reason: CloseReason }
  /** Arm (or re-arm) a timer to fire at absolute time `at` (ms, same clock as `now`). */
  | { readonly type: "setTimer"; readonly id: TimerId; readonly at: number }
  /** Disarm a timer. */
  | { readonly type: "cancelTimer"; readonly id: TimerId }
  /** Hand a flood message to a local channel registration. */
  | { readonly type: "deliver"; readonly channel: string; readonly msg: FloodMessage<P> }
  /** Resolver: publish our address under the mesh name (MC-PRCR Register). */
  | { readonly type: "register"; readonly meshName: string; readonly address: PeerNodeAddress }
  /** Resolver: our address changed (MC-PRCR Update). */
  | { readonly type: "update"; readonly meshName: string; readonly address: PeerNodeAddress }
  /** Resolver: remove our registration (MC-PRCR Unregister). */
  | { readonly type: "unregister"; readonly meshName: string }
  /** Resolver: ask for up to `maxAddresses` nodes of the mesh (MC-PRCR Resolve). */
  | { readonly type: "resolve"; readonly meshName: string; readonly maxAddresses: number }
  /** Throttling: stop reading from every link. */
  | { readonly type: "pauseReading" }
  /** Throttling: read again. */
  | { readonly type: "resumeReading" }
  /** App event: a link reached Connected. */
  | {
      readonly type: "neighborAdded";
      readonly conn: ConnId;
      readonly nodeId: bigint;
      readonly initiator: boolean;
    }
  /** App event: a Connected link went away. */
  | {
      readonly type: "neighborRemoved";
      readonly conn: ConnId;
      readonly nodeId: bigint;
      readonly reason: CloseReason;
    }
  /** App event: the node has its first neighbor. */
  | { readonly type: "online" }
  /** App event: the node lost its last neighbor (or closed). */
  | { readonly type: "offline" };
