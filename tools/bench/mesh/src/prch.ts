import { type NodeSecurityOptions, PeerNode, type Resolver } from "@prch/node";
import type { DeliverListener, Mesh, MeshImpl, MeshStartOptions, WireStats } from "./impl.js";
import { SocketMeter } from "./socket-meter.js";

type Address = PeerNode["address"];

/**
 * A resolver that answers each node with exactly the nodes the benchmark's
 * topology says it dials, so prch runs on the same graph as libp2p. Resolve
 * waits until every node has registered, as a resolver would hold them all.
 */
class TopologyResolver {
  readonly #addresses: (Address | undefined)[];
  readonly #dials: readonly (readonly number[])[];
  #allRegistered!: () => void;
  readonly #ready = new Promise<void>((r) => {
    this.#allRegistered = r;
  });

  constructor(dials: readonly (readonly number[])[]) {
    this.#dials = dials;
    this.#addresses = dials.map(() => undefined);
  }

  /** The {@link Resolver} node `i` uses. */
  forNode(i: number): Resolver {
    return {
      register: async (_mesh, address) => {
        this.#addresses[i] = address;
        if (this.#addresses.every((a) => a !== undefined)) this.#allRegistered();
      },
      update: async (address) => {
        this.#addresses[i] = address;
      },
      resolve: async () => {
        await this.#ready;
        return this.#dials[i]!.map((j) => this.#addresses[j]!);
      },
      // A fixed graph: no referrals, so nodes keep to the topology.
      canShareReferrals: false,
      close: async () => undefined,
    };
  }
}

/** Links a node's send queue may hold before `publish` waits: the facade's backpressure signal. */
const HIGH_WATER = 64;
const LOW_WATER = 16;

class PrchMesh implements Mesh {
  readonly size: number;
  readonly #nodes: PeerNode[];
  readonly #topology: MeshStartOptions["topology"];
  readonly #meter: SocketMeter;
  readonly #uri: string;
  #listener: DeliverListener = () => undefined;

  constructor(nodes: PeerNode[], o: MeshStartOptions, meter: SocketMeter, uri: string) {
    this.size = nodes.length;
    this.#nodes = nodes;
    this.#topology = o.topology;
    this.#meter = meter;
    this.#uri = uri;
    nodes.forEach((node, i) => {
      node.channel(uri).on("message", (m) => {
        this.#listener(i, m.bytes());
      });
    });
  }

  async waitFormed(timeoutMs: number): Promise<void> {
    const ids = this.#nodes.map((n) => n.nodeId);
    const formed = () =>
      this.#nodes.every((n, i) => {
        const linked = new Set(
          n
            .neighbors()
            .filter((x) => x.state === "Connected")
            .map((x) => x.nodeId),
        );
        return this.#topology.neighbours[i]!.every((j) => linked.has(ids[j]));
      });
    const end = Date.now() + timeoutMs;
    while (!formed()) {
      if (Date.now() > end) throw new Error("prch: mesh not formed in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async publish(from: number, data: Uint8Array): Promise<void> {
    const node = this.#nodes[from]!;
    node.channel(this.#uri).send(Uint8Array.from(data));
    const backlog = () => Math.max(0, ...node.neighbors().map((n) => n.pending));
    if (backlog() < HIGH_WATER) return;
    while (backlog() > LOW_WATER) await new Promise((r) => setImmediate(r));
  }

  onDeliver(listener: DeliverListener): void {
    this.#listener = listener;
  }

  wireStats(): WireStats {
    let copies = 0;
    for (const n of this.#nodes) copies += n.stats().floodsReceived;
    return { bytes: this.#meter.bytesRead(), copies };
  }

  counters(): Record<string, number> {
    const sum = (f: (s: ReturnType<PeerNode["stats"]>) => number) =>
      this.#nodes.reduce((t, n) => t + f(n.stats()), 0);
    return {
      duplicates: sum((s) => s.duplicates),
      throttlePauses: sum((s) => s.throttlePauses),
      tooSlowAborts: sum((s) => s.tooSlowAborts),
      neighborsRemoved: sum((s) => s.neighborsRemoved),
    };
  }

  async stop(): Promise<void> {
    try {
      await Promise.all(this.#nodes.map((n) => n.close()));
    } finally {
      this.#meter.stop();
    }
  }
}

async function startPrch(o: MeshStartOptions, security: NodeSecurityOptions): Promise<Mesh> {
  const meter = new SocketMeter();
  meter.start();
  const resolver = new TopologyResolver(o.topology.dials);
  const meshName = o.topic.replace(/[^A-Za-z0-9._-]/g, "-");
  const nodes: PeerNode[] = [];
  try {
    for (let i = 0; i < o.topology.n; i++) {
      nodes.push(
        await PeerNode.open({
          meshName,
          resolver: resolver.forNode(i),
          security,
          listen: { host: "127.0.0.1" },
          addressPollMs: 0,
          config: {
            // Dial all of this node's topology targets at once (the initial
            // maintenance run aims for MinNeighborCount), accept every inbound
            // link, and keep maintenance from reshaping the graph mid-run.
            minNeighbors: o.topology.dials[i]!.length,
            idealNeighbors: Math.max(3, o.topology.neighbours[i]!.length),
            maxNeighbors: Math.max(7, o.topology.neighbours[i]!.length + 2),
            resolveAddresses: o.topology.dials[i]!.length,
            maintenanceIntervalMs: 3_600_000,
            maintenanceRetryMs: 500,
          },
        }),
      );
    }
    return new PrchMesh(nodes, o, meter, `net.p2p://${meshName}/bench`);
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.close()));
    meter.stop();
    throw err;
  }
}

/** prch over plain TCP: net.tcp framing, binary session encoding, no security. */
export const prchNoneImpl: MeshImpl = {
  name: "prch-none",
  description: "prch @prch/node, NMF duplex + MC-NBFSE over TCP, security none",
  start: (o) => startPrch(o, { mode: "none" }),
};

/** prch over TLS with the PeerHashToken handshake (comparable to libp2p's noise). */
export const prchPasswordImpl: MeshImpl = {
  name: "prch-password",
  description: "prch @prch/node, NMF duplex + MC-NBFSE over TLS, password mode (PeerHashToken)",
  start: (o) => startPrch(o, { mode: "password", password: "bench-mesh" }),
};
