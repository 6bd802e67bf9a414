import { ResolverService } from "@prch/resolver-prcr";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  PeerNode,
  type ReceivedMessage,
  type PeerNodeOptions,
  PeerNodeError,
} from "../src/index.js";

// Real sockets on 127.0.0.1: a resolver service and N nodes in one process.
let resolver: ResolverService;
const nodes: PeerNode[] = [];

beforeEach(async () => {
  resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
  await resolver.listen();
});

afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
  await resolver.close();
});

/** Fast maintenance so meshes form within a test's time; the protocol logic is unchanged. */
const FAST = { maintenanceIntervalMs: 2_000, maintenanceRetryMs: 300 };

async function openNodes(n: number, extra: Partial<PeerNodeOptions> = {}): Promise<PeerNode[]> {
  const out: PeerNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = await PeerNode.open({
      meshName: "testmesh",
      resolver: resolver.address,
      listen: { host: "127.0.0.1" },
      config: FAST,
      ...extra,
    });
    nodes.push(node);
    out.push(node);
  }
  return out;
}

async function until(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * True when the neighbor graph is settled and connected: every link is
 * Connected on both ends (no handshake or duplicate resolution in flight)
 * and every node reaches every other.
 */
function connected(ns: readonly PeerNode[]): boolean {
  const byId = new Map(ns.map((n) => [n.nodeId, n]));
  for (const n of ns) {
    for (const nb of n.neighbors()) {
      if (nb.state !== "Connected" || nb.nodeId === undefined) return false;
      const other = byId.get(nb.nodeId);
      if (
        other !== undefined &&
        !other.neighbors().some((x) => x.nodeId === n.nodeId && x.state === "Connected")
      ) {
        return false;
      }
    }
  }
  const seen = new Set<bigint>([ns[0]!.nodeId]);
  const todo = [ns[0]!];
  while (todo.length > 0) {
    const n = todo.pop()!;
    for (const nb of n.neighbors()) {
      if (nb.state !== "Connected" || nb.nodeId === undefined || seen.has(nb.nodeId)) continue;
      seen.add(nb.nodeId);
      const next = byId.get(nb.nodeId);
      if (next !== undefined) todo.push(next);
    }
  }
  return seen.size === ns.length;
}

describe("PeerNode over real sockets", () => {
  it("forms a mesh and floods every message to every other node exactly once", async () => {
    const ns = await openNodes(6);
    await until(() => connected(ns), "a connected mesh");
    const uri = "net.p2p://testmesh/chat";
    const got = ns.map(() => [] as string[]);
    ns.forEach((n, i) => {
      n.channel(uri).on("message", (m) => got[i]!.push(m.text()));
    });
    for (const [i, n] of ns.entries()) n.channel(uri).send(`hello from ${i}`);
    await until(() => got.every((g) => g.length >= ns.length - 1), "every message everywhere");
    await new Promise((r) => setTimeout(r, 200));
    got.forEach((g, i) => {
      const want = ns.map((_, j) => `hello from ${j}`).filter((_, j) => j !== i);
      expect([...g].sort()).toEqual(want.sort());
    });
    const dup = ns.reduce((s, n) => s + n.stats().duplicates, 0);
    expect(dup).toBeGreaterThanOrEqual(0);
    expect(ns.every((n) => n.online)).toBe(true);
  });

  it("carries bytes bodies and respects a hop limit", async () => {
    const ns = await openNodes(2);
    await until(() => connected(ns), "a connected pair");
    const uri = "net.p2p://testmesh/data";
    const received: Uint8Array[] = [];
    ns[1]!.channel(uri).on("message", (m) => received.push(m.bytes()));
    ns[0]!.channel(uri).send(new Uint8Array([0, 1, 2, 255]), { hops: 1 });
    await until(() => received.length === 1, "the bytes message");
    expect([...received[0]!]).toEqual([0, 1, 2, 255]);
  });

  it("delivers the same whether a flood was decoded or only scanned", async () => {
    const ns = await openNodes(2);
    await until(() => connected(ns), "a connected pair");
    const uri = "net.p2p://testmesh/scan";
    const got: ReceivedMessage[] = [];
    ns[1]!.channel(uri).on("message", (m) => got.push(m));
    // The first message on the link defines session strings (decoded); the rest are scanned.
    for (let i = 0; i < 3; i++)
      ns[0]!.channel(uri).send(`m${i}`, { action: "urn:test/Say", hops: 9 });
    await until(() => got.length === 3, "three messages");
    const seen = got.map((m) => ({
      via: m.via,
      action: m.action,
      hops: m.hops,
      id: m.messageId,
      text: m.text(),
      // The full message, decoded on demand for a scanned flood.
      headerNames: m.message.headers.map((h) => h.name).sort(),
      fullAction: m.message.action,
    }));
    for (const [i, x] of seen.entries()) {
      expect(x).toMatchObject({ via: uri, action: "urn:test/Say", hops: 9n, text: `m${i}` });
      expect(x.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(x.headerNames).toEqual(["FloodMessage", "Hops", "MessageID", "PeerTo", "PeerVia"]);
      expect(x.fullAction).toBe("urn:test/Say");
    }
  });

  it("reads a scanned bytes body without a decode, once, as a decoded one reads", async () => {
    const ns = await openNodes(2);
    await until(() => connected(ns), "a connected pair");
    const uri = "net.p2p://testmesh/bin";
    const got: ReceivedMessage[] = [];
    ns[1]!.channel(uri).on("message", (m) => got.push(m));
    // The first flood on the link is decoded (it adds session strings), the others scanned.
    const payloads = [3000, 0, 1, 200].map((n, k) =>
      Uint8Array.from({ length: n }, (_, i) => (i * k) & 0xff),
    );
    for (const p of payloads) ns[0]!.channel(uri).send(p);
    await until(() => got.length === payloads.length, "four messages");
    for (const [i, m] of got.entries()) {
      if (i === 2) {
        // A bytes body is not a string body, scanned or not.
        expect(() => m.text()).toThrow();
        continue;
      }
      expect(Buffer.from(m.bytes())).toEqual(Buffer.from(payloads[i]!));
      expect(() => m.bytes()).toThrow(/already been read/);
      expect(() => m.text()).toThrow(/already been read/);
      // The full message is still there, decoded on demand.
      expect(m.message.headers.map((h) => h.name)).toContain("PeerVia");
    }
  });

  it("delivers through the async iterator", async () => {
    const ns = await openNodes(2);
    await until(() => connected(ns), "a connected pair");
    const uri = "net.p2p://testmesh/iter";
    const it = ns[1]!.channel(uri)[Symbol.asyncIterator]();
    ns[0]!.channel(uri).send("one");
    ns[0]!.channel(uri).send("two");
    const a = await it.next();
    const b = await it.next();
    expect([a.value?.text(), b.value?.text()]).toEqual(["one", "two"]);
    await it.return?.();
  });

  it("leaves gracefully: neighbors see LeavingMesh", async () => {
    const ns = await openNodes(2);
    await until(() => connected(ns), "a connected pair");
    const reasons: string[] = [];
    ns[1]!.on("neighborRemoved", (_id, reason) => reasons.push(reason));
    await ns[0]!.close();
    await until(() => reasons.length === 1, "the neighbor to notice");
    expect(reasons).toEqual(["LeavingMesh"]);
  });

  it("aborts like a crash: neighbors see the links fail, the rest carry on, the registration stays", async () => {
    const ns = await openNodes(3);
    await until(() => connected(ns), "a connected mesh of three");
    const reasons: string[] = [];
    for (const n of ns.slice(1)) n.on("neighborRemoved", (_id, reason) => reasons.push(reason));
    let closed = 0;
    ns[0]!.on("closed", () => closed++);
    await ns[0]!.abort();
    await ns[0]!.abort();
    expect(closed).toBe(1);
    expect(() => ns[0]!.channel("net.p2p://testmesh/x").send("late")).toThrow(PeerNodeError);
    const linked = (n: PeerNode) => n.neighbors().some((x) => x.nodeId === ns[0]!.nodeId);
    await until(() => !linked(ns[1]!) && !linked(ns[2]!), "the survivors to drop the links");
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons).not.toContain("LeavingMesh");
    // No Unregister was sent: the resolver still holds all three records.
    expect((await resolver.stats()).registrations).toBe(3);
    // The survivors still reach each other.
    await until(() => connected(ns.slice(1)), "the survivors to stay connected", 30_000);
    const got: string[] = [];
    ns[2]!.channel("net.p2p://testmesh/after").on("message", (m) => got.push(m.text()));
    ns[1]!.channel("net.p2p://testmesh/after").send("still here");
    await until(() => got.length === 1, "a message between the survivors");
  });

  it("rejects bad channel URIs and mesh names with typed errors", async () => {
    const [n] = await openNodes(1);
    expect(() => n!.channel("net.p2p://othermesh/chat")).toThrow(PeerNodeError);
    expect(() => n!.channel("not a uri")).toThrow(PeerNodeError);
    await expect(
      PeerNode.open({ meshName: "bad name", resolver: resolver.address }),
    ).rejects.toThrow(PeerNodeError);
  });
});

describe("observer interface", () => {
  it("reports link changes with reasons and gives snapshots", async () => {
    const ns = await openNodes(2);
    const seen: string[] = [];
    const stop = ns[1]!.observe((a, node) => {
      expect(node).toBe(ns[1]);
      seen.push(a.type === "neighborRemoved" ? `${a.type}:${a.reason}` : a.type);
    });
    await until(() => ns.every((n) => n.online), "both nodes online");
    const snap = ns[1]!.snapshot();
    expect(snap.nodeId).toBe(ns[1]!.nodeId);
    const linked = snap.neighbors.filter((n) => n.state === "Connected").map((n) => n.nodeId);
    expect(linked).toEqual([ns[0]!.nodeId]);
    expect(snap.stats.neighbors).toBe(1);
    expect(snap.address.EndpointAddress).toMatch(
      /^net\.tcp:\/\/127\.0\.0\.1:\d+\/PeerChannelEndpoints\//,
    );
    await ns[0]!.close();
    await until(() => seen.includes("offline"), "offline");
    stop();
    // Warnings (e.g. a maintenance run failing to reach the node that left) may interleave.
    expect(seen.filter((x) => x !== "warning")).toEqual([
      "neighborAdded",
      "online",
      "neighborRemoved:LeavingMesh",
      "offline",
    ]);
  });
});
