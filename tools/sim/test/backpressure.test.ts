import { describe, expect, it } from "vitest";
import { Simulator } from "../src/index.js";

/** Four nodes, fully meshed; every link touching node 1 is very slow (about 1 message/s). */
async function slowNeighborMesh(nodes = 4) {
  const sim = new Simulator({
    seed: 71,
    backpressure: true,
    linkBandwidth: (a, b) => (a === 1 || b === 1 ? 0.5 : undefined),
  });
  sim.addNodes(nodes, (i) => i * 100);
  await sim.runUntil(30_000);
  return sim;
}

describe("throttling through the simulated transport (MC-PRCH §3.1.5.9)", () => {
  it("a neighbor that cannot drain its backlog is aborted as too slow, the others stay", async () => {
    const sim = await slowNeighborMesh();
    const sender = sim.nodes[0]!;
    const before = sender.engine!.connectedNodeIds().length;
    expect(before).toBeGreaterThanOrEqual(2);
    const slowId = sim.nodes[1]!.engine!.nodeId;
    const connOf = (id: bigint) => sender.engine!.neighbors().find((n) => n.nodeId === id)?.conn;
    const slowConn = connOf(slowId);
    const fastConns = [2, 3].map((i) => connOf(sim.nodes[i]!.engine!.nodeId));
    expect(slowConn).toBeDefined();
    for (let i = 0; i < 300; i++) sim.broadcast(0);
    await sim.runUntil(sim.now + 25_000);
    const stats = sender.engine!.stats();
    expect(stats.throttlePauses).toBeGreaterThanOrEqual(1);
    expect(stats.tooSlowAborts).toBe(1);
    const conns = sender.engine!.neighbors().map((n) => n.conn);
    // the slow link went (the slow node may come back later on a new link); the fast ones stayed
    expect(conns).not.toContain(slowConn);
    for (const c of fastConns) expect(conns).toContain(c);
    // once the slow link is gone the backlog is below the limit again and reading resumes
    expect(sender.engine!.isThrottled).toBe(false);
    // the fast neighbors got everything
    const t = sim.tracks[sim.tracks.length - 1]!;
    expect(Number.isNaN(t.deliveredAt[2]!)).toBe(false);
    expect(Number.isNaN(t.deliveredAt[3]!)).toBe(false);
  });

  it("never aborts the last neighbor", async () => {
    const sim = await slowNeighborMesh(2);
    const sender = sim.nodes[0]!;
    expect(sender.engine!.neighborCount).toBe(1);
    for (let i = 0; i < 300; i++) sim.broadcast(0);
    await sim.runUntil(sim.now + 25_000);
    expect(sender.engine!.stats().throttlePauses).toBeGreaterThanOrEqual(1);
    expect(sender.engine!.stats().tooSlowAborts).toBe(0);
    expect(sender.engine!.neighborCount).toBe(1);
  });
});
