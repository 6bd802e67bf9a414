import { seededRandom } from "@prch/mesh-core";
import { describe, expect, it } from "vitest";
import { meshShape, messageReport, Simulator, sample } from "../src/index.js";

const MAINTENANCE = 300_000;

/** Application traffic: one message every `every` ms from a random live node. */
function traffic(sim: Simulator, from: number, to: number, every: number, seed: number): void {
  const r = seededRandom(seed);
  for (let t = from; t < to; t += every) {
    sim.at(t, () => {
      const alive = sim.nodes.filter((n) => n.alive).map((n) => n.index);
      const [pick] = sample(r, alive, 1);
      if (pick !== undefined) sim.broadcast(pick);
    });
  }
}

/** Send `k` messages from random live nodes, 1 s apart, let them settle, return their reports. */
async function probe(sim: Simulator, k: number, seed: number) {
  const r = seededRandom(seed);
  const mine: number[] = [];
  const start = sim.now;
  for (let i = 0; i < k; i++) {
    sim.at(start + i * 1000, () => {
      const alive = sim.nodes.filter((n) => n.alive).map((n) => n.index);
      mine.push(sim.broadcast(sample(r, alive, 1)[0]!));
    });
  }
  await sim.runUntil(start + k * 1000 + 30_000);
  return mine.map((m) => messageReport(sim, sim.tracks[m]!));
}

describe("simulated mesh (MC-PRCH §3 at scale)", () => {
  it("1,000 nodes join through one resolver and every node receives every message", async () => {
    const sim = new Simulator({ seed: 11 });
    sim.addNodes(1000, (i) => i * 50);
    await sim.runUntil(120_000);
    expect(await sim.registrations()).toBe(1000);
    const shape = meshShape(sim);
    expect(shape.alive).toBe(1000);
    expect(shape.components).toBe(1);
    // MaxNeighborCount is never exceeded
    expect(Math.max(...shape.degrees.keys())).toBeLessThanOrEqual(7);
    const reports = await probe(sim, 10, 12);
    expect(reports).toHaveLength(10);
    for (const r of reports) {
      expect(r.expected).toBe(1000);
      expect(r.delivered).toBe(1000);
      expect(r.t100).toBeGreaterThan(0);
    }
  });

  it("after 30% of nodes fail at once, the survivors form one connected mesh within three maintenance cycles and receive every later message", async () => {
    const sim = new Simulator({ seed: 21 });
    sim.addNodes(1000, (i) => i * 50);
    traffic(sim, 60_000, 10_000_000, 5_000, 22);
    await sim.runUntil(600_000);
    expect(meshShape(sim).components).toBe(1);
    const victims = sample(seededRandom(23), [...sim.nodes.keys()], 300);
    sim.crash(victims);
    await sim.runUntil(600_000 + 3 * MAINTENANCE);
    const shape = meshShape(sim);
    expect(shape.alive).toBe(700);
    // nobody refreshes the crashed nodes' registrations: the service has dropped them
    expect(await sim.registrations()).toBe(700);
    expect(shape.components).toBe(1);
    expect(shape.degrees.get(0) ?? 0).toBe(0);
    const reports = await probe(sim, 10, 24);
    for (const r of reports) {
      expect(r.expected).toBe(700);
      expect(r.delivered).toBe(700);
    }
  });

  it("a partition splits the mesh and heals when it is lifted", async () => {
    const sim = new Simulator({ seed: 31 });
    sim.addNodes(400, (i) => i * 50);
    traffic(sim, 60_000, 10_000_000, 5_000, 32);
    await sim.runUntil(400_000);
    expect(meshShape(sim).components).toBe(1);
    sim.partition((i) => i % 2);
    await sim.runUntil(1_000_000);
    // no link crosses the cut: at least the two halves are separate
    expect(meshShape(sim).components).toBeGreaterThanOrEqual(2);
    const during = await probe(sim, 3, 33);
    for (const r of during) expect(r.reach).toBeLessThan(1);
    sim.heal();
    await sim.runUntil(sim.now + 3 * MAINTENANCE);
    expect(meshShape(sim).components).toBe(1);
    const after = await probe(sim, 10, 34);
    for (const r of after) expect(r.delivered).toBe(400);
  });

  it("is deterministic: the same seed gives the same run", async () => {
    const run = async () => {
      const sim = new Simulator({ seed: 41, lossRate: 0.05 });
      sim.addNodes(150, (i) => i * 100);
      await sim.runUntil(60_000);
      const reports = await probe(sim, 3, 42);
      return { events: sim.eventsProcessed, reports, shape: meshShape(sim) };
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    expect(a.events).toBeGreaterThan(1000);
  });

  it("loss only delays delivery over TCP-like links", async () => {
    const sim = new Simulator({ seed: 51, lossRate: 0.2, retransmitMs: 300 });
    sim.addNodes(200, (i) => i * 50);
    await sim.runUntil(90_000);
    for (const r of await probe(sim, 3, 52)) expect(r.delivered).toBe(200);
  });

  it("graceful leave: neighbors drop the leaving node promptly and it unregisters", async () => {
    const sim = new Simulator({ seed: 61 });
    sim.addNodes(50, (i) => i * 100);
    await sim.runUntil(60_000);
    const leaver = sim.nodes[10]!;
    const neighborsBefore = leaver.engine!.neighborCount;
    expect(neighborsBefore).toBeGreaterThan(0);
    sim.leave([10]);
    expect(leaver.engine!.isOpen).toBe(false);
    expect(leaver.engine!.stats().neighborsRemoved).toBeGreaterThanOrEqual(neighborsBefore);
    await sim.runUntil(sim.now + 5_000);
    expect(await sim.registrations()).toBe(49);
    const adj = sim.adjacency();
    expect(adj.some((ns, i) => i !== 10 && ns.includes(10))).toBe(false);
  });

  it("the synchronous model resolver gives the same guarantees", async () => {
    const sim = new Simulator({ seed: 81, resolver: "model" });
    sim.addNodes(300, (i) => i * 50);
    await sim.runUntil(60_000);
    expect(await sim.registrations()).toBe(300);
    expect(meshShape(sim).components).toBe(1);
    for (const r of await probe(sim, 3, 82)) expect(r.delivered).toBe(300);
  });
});
