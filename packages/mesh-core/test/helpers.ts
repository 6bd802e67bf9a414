import {
  type ConnId,
  type FloodMessage,
  type MeshAction,
  MeshEngine,
  type MeshEngineOptions,
  type PeerMessage,
  type PeerNodeAddress,
  seededRandom,
} from "../src/index.js";

export const MESH = "TestMesh";
export const VIA = "net.p2p://TestMesh/chat";

/** A valid net.tcp PeerNodeAddress for node number i. */
export function addr(i: number): PeerNodeAddress {
  const h = i.toString(16).padStart(12, "0");
  return {
    EndpointAddress: `net.tcp://10.0.${(i >> 8) & 255}.${i & 255}:31337/PeerChannelEndpoints/00000000-0000-4000-8000-${h}`,
    IPAddresses: [`10.0.${(i >> 8) & 255}.${i & 255}`],
  };
}

export type A = MeshAction<string>;

export function makeEngine(
  opts: Partial<MeshEngineOptions> & { seed?: number; self?: number } = {},
): MeshEngine<string> {
  return new MeshEngine<string>({
    meshName: MESH,
    address: addr(opts.self ?? 1),
    random: seededRandom(opts.seed ?? 42),
    nodeId: opts.nodeId ?? 1000n,
    channels: opts.channels ?? [{ via: VIA }],
    config: opts.config ?? {},
  });
}

export function ofType<T extends A["type"]>(
  actions: readonly A[],
  t: T,
): Extract<A, { type: T }>[] {
  return actions.filter((a): a is Extract<A, { type: T }> => a.type === t);
}

/** Messages sent on `conn` (protocol sends only). */
export function sentOn(actions: readonly A[], conn: ConnId): PeerMessage<string>[] {
  return ofType(actions, "send")
    .filter((a) => a.conn === conn)
    .map((a) => a.msg);
}

export function kinds(actions: readonly A[], conn: ConnId): string[] {
  return sentOn(actions, conn).map((m) => m.kind);
}

/** Open the engine at time 0 and run its immediate maintenance (which asks the resolver). */
export function open(e: MeshEngine<string>, now = 0): A[] {
  const a = e.handle({ type: "open" }, now);
  return [...a, ...e.handle({ type: "timerFired", id: "maintenance" }, now)];
}

/** Accept an incoming link from node `remote` and complete the Connect handshake. */
export function acceptFrom(
  e: MeshEngine<string>,
  remote: bigint,
  remoteAddr: PeerNodeAddress,
  now = 0,
): { conn: ConnId; actions: A[] } {
  const conn = e.newConnectionId();
  const actions = [
    ...e.handle({ type: "connectionOpened", conn, direction: "incoming" }, now),
    ...e.handle(
      {
        type: "messageReceived",
        conn,
        msg: { kind: "Connect", NodeId: remote, Address: remoteAddr },
      },
      now,
    ),
  ];
  return { conn, actions };
}

/** Make the engine connect out (via the resolver) to `remoteAddr` and get Welcomed by `remote`. */
export function dialTo(
  e: MeshEngine<string>,
  remote: bigint,
  remoteAddr: PeerNodeAddress,
  now = 0,
): { conn: ConnId; actions: A[] } {
  const r = e.handle({ type: "resolverResolved", addresses: [remoteAddr] }, now);
  const c = ofType(r, "connect").find((x) => x.address === remoteAddr);
  if (c === undefined) throw new Error("engine did not connect");
  const actions = [
    ...r,
    ...e.handle({ type: "connectionOpened", conn: c.conn, direction: "outgoing" }, now),
    ...e.handle(
      {
        type: "messageReceived",
        conn: c.conn,
        msg: { kind: "Welcome", NodeId: remote, Referrals: [] },
      },
      now,
    ),
  ];
  return { conn: c.conn, actions };
}

let guidCounter = 0;
export function flood(overrides: Partial<FloodMessage<string>> = {}): FloodMessage<string> {
  guidCounter++;
  const h = guidCounter.toString(16).padStart(12, "0");
  return {
    kind: "Flood",
    MessageID: `urn:uuid:11111111-2222-4333-8444-${h}`,
    FloodMessage: "PeerFlooder",
    PeerVia: VIA,
    PeerTo: VIA,
    size: 100,
    payload: `p${guidCounter}`,
    ...overrides,
  };
}

export function recv(e: MeshEngine<string>, conn: ConnId, msg: PeerMessage<string>, now = 0): A[] {
  return e.handle({ type: "messageReceived", conn, msg }, now);
}
