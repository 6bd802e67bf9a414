// Must come first: libp2p needs Promise.withResolvers, which Node 20 lacks.
import "./node20.js";
import { gossipsub } from "@chainsafe/libp2p-gossipsub";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { floodsub } from "@libp2p/floodsub";
import { identify } from "@libp2p/identify";
import type { Libp2p, Message, PubSub } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { createLibp2p } from "libp2p";
import type { DeliverListener, Mesh, MeshImpl, MeshStartOptions, WireStats } from "./impl.js";
import { SocketMeter } from "./socket-meter.js";

type Router = "floodsub" | "gossipsub";
type Node = Libp2p<{ pubsub: PubSub }>;

/** Versions this file was written against (see package.json). */
const VERSIONS = "libp2p 2.10.0, @libp2p/tcp 10.1.19, noise 16.1.5, yamux 7.0.4";

/** Gossipsub's default lower bound on mesh peers per topic (its constant `GossipsubDlo`). */
const GOSSIPSUB_D_LO = 4;

/**
 * Every received copy of a pub/sub message, duplicates included, passes through
 * one internal method per router: `processMessage` in @libp2p/pubsub's base
 * class (floodsub) and `handleReceivedMessage` in gossipsub. Neither is public
 * API, so the wrapper checks the method exists and fails loudly if a version
 * bump renamed it rather than silently counting zero.
 */
function countCopies(pubsub: PubSub, router: Router, onCopy: () => void): void {
  const method = router === "floodsub" ? "processMessage" : "handleReceivedMessage";
  const target = pubsub as unknown as Record<string, unknown>;
  const original = target[method];
  if (typeof original !== "function") {
    throw new Error(`${router}: internal method ${method} not found; cannot count copies`);
  }
  target[method] = function (this: unknown, ...args: unknown[]): unknown {
    onCopy();
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
}

class Libp2pMesh implements Mesh {
  readonly size: number;
  readonly #nodes: Node[];
  readonly #router: Router;
  readonly #topic: string;
  readonly #neighbours: readonly (readonly number[])[];
  readonly #meter: SocketMeter;
  #copies = 0;
  #connectionsClosed = 0;
  #listener: DeliverListener = () => {};

  constructor(nodes: Node[], router: Router, o: MeshStartOptions, meter: SocketMeter) {
    this.size = nodes.length;
    this.#nodes = nodes;
    this.#router = router;
    this.#topic = o.topic;
    this.#neighbours = o.topology.neighbours;
    this.#meter = meter;
    nodes.forEach((node, i) => {
      // Under load libp2p's connection monitor aborts links whose pings time out;
      // counting closes makes such a collapse visible in the report.
      node.addEventListener("connection:close", () => {
        this.#connectionsClosed++;
      });
      countCopies(node.services.pubsub, router, () => {
        this.#copies++;
      });
      node.services.pubsub.addEventListener("message", (evt: CustomEvent<Message>) => {
        if (evt.detail.topic === this.#topic) this.#listener(i, evt.detail.data);
      });
    });
  }

  #formed(): boolean {
    for (let i = 0; i < this.size; i++) {
      const pubsub = this.#nodes[i]!.services.pubsub;
      const subscribers = new Set(pubsub.getSubscribers(this.#topic).map((p) => p.toString()));
      const neighbours = this.#neighbours[i]!;
      for (const j of neighbours) {
        if (!subscribers.has(this.#nodes[j]!.peerId.toString())) return false;
      }
      if (this.#router === "gossipsub") {
        // Gossipsub forwards only along its topic mesh, which its heartbeat builds
        // (once a second) from the subscribed peers.
        const mesh = (pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(
          this.#topic,
        );
        if (mesh.length < Math.min(neighbours.length, GOSSIPSUB_D_LO)) return false;
      }
    }
    return true;
  }

  async waitFormed(timeoutMs: number): Promise<void> {
    const stepMs = 50;
    const steps = Math.max(1, Math.ceil(timeoutMs / stepMs));
    for (let k = 0; k < steps; k++) {
      if (this.#formed()) return;
      await new Promise((r) => setTimeout(r, stepMs));
    }
    if (!this.#formed()) throw new Error(`${this.#router}: mesh not formed within ${timeoutMs} ms`);
  }

  async publish(from: number, data: Uint8Array): Promise<void> {
    await this.#nodes[from]!.services.pubsub.publish(this.#topic, data);
  }

  onDeliver(listener: DeliverListener): void {
    this.#listener = listener;
  }

  counters(): Record<string, number> {
    // Both ends of a link report its close, hence the halving.
    return { linksClosed: this.#connectionsClosed / 2 };
  }

  wireStats(): WireStats {
    return { bytes: this.#meter.bytesRead(), copies: this.#copies };
  }

  async stop(): Promise<void> {
    try {
      await Promise.all(this.#nodes.map((n) => n.stop()));
    } finally {
      this.#meter.stop();
    }
  }
}

async function startMesh(router: Router, o: MeshStartOptions): Promise<Mesh> {
  const meter = new SocketMeter();
  meter.start();
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < o.topology.n; i++) {
      const node = await createLibp2p({
        addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        // libp2p refuses more than 5 inbound connections per second from one host;
        // here every peer shares 127.0.0.1, which real peers never do, so the limit
        // would only refuse the benchmark's own dials.
        connectionManager: { inboundConnectionThreshold: 10_000 },
        // The connection monitor pings every link on the same yamux connection the
        // pub/sub stream floods; when publishing outruns the links its adaptive
        // timeout expires and, by default, it aborts every link within seconds, which
        // would measure the monitor rather than the router. Pings still run (their
        // bytes count); failed ones no longer abort the link.
        connectionMonitor: { abortConnectionOnPingFailure: false },
        services: {
          identify: identify(),
          // Defaults otherwise, signing included (StrictSign), as the issue asks.
          pubsub: router === "floodsub" ? floodsub() : gossipsub(),
        },
      });
      nodes.push(node as unknown as Node);
    }
    for (const node of nodes) node.services.pubsub.subscribe(o.topic);
    const mesh = new Libp2pMesh(nodes, router, o, meter);
    for (let i = 0; i < nodes.length; i++) {
      for (const j of o.topology.dials[i]!) {
        const addr = nodes[j]!.getMultiaddrs()[0];
        if (addr === undefined) throw new Error(`${router}: node ${j} has no listen address`);
        await nodes[i]!.dial(addr);
      }
    }
    return mesh;
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    meter.stop();
    throw err;
  }
}

/** js-libp2p floodsub over TCP + noise + yamux, default signing (StrictSign). */
export const floodsubImpl: MeshImpl = {
  name: "floodsub",
  description: `js-libp2p @libp2p/floodsub 10.1.46 (${VERSIONS}), StrictSign`,
  start: (o) => startMesh("floodsub", o),
};

/** js-libp2p gossipsub over TCP + noise + yamux, default options (StrictSign, floodPublish). */
export const gossipsubImpl: MeshImpl = {
  name: "gossipsub",
  description: `js-libp2p @chainsafe/libp2p-gossipsub 14.1.2 (${VERSIONS}), StrictSign`,
  start: (o) => startMesh("gossipsub", o),
};
