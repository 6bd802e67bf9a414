import { seededRandom } from "@prch/mesh-core";
import { type MeshShape, type MessageReport, meshShape, messageReport } from "./metrics.js";
import { type SimOptions, Simulator, sample } from "./sim.js";

/** What to simulate. */
export interface ScenarioOptions {
  nodes: number;
  /** ms between node joins. */
  joinEveryMs: number;
  /** Fraction of nodes that crash at once after the join (0 = none). */
  churn: number;
  /** Also split the survivors in two for `partitionMs`, then heal. */
  partitionMs: number;
  /** Messages probed after each phase. */
  probes: number;
  /** Background traffic period (ms), drives link utility and pruning. */
  trafficEveryMs: number;
  sim: Partial<SimOptions>;
}

export const DEFAULT_SCENARIO: ScenarioOptions = {
  nodes: 1000,
  joinEveryMs: 50,
  churn: 0.3,
  partitionMs: 0,
  probes: 10,
  trafficEveryMs: 5000,
  sim: {},
};

export interface PhaseReport {
  readonly phase: string;
  readonly at: number;
  readonly shape: MeshShape;
  readonly messages: readonly MessageReport[];
}

export interface ScenarioReport {
  readonly phases: PhaseReport[];
  readonly heapPerNodeBytes: number | undefined;
  readonly events: number;
  readonly wallMs: number;
}

const MAINTENANCE_MS = 300_000;

/** Join, probe, optionally crash a fraction and/or partition, probe again. */
export async function runScenario(opts: Partial<ScenarioOptions> = {}): Promise<ScenarioReport> {
  const o: ScenarioOptions = { ...DEFAULT_SCENARIO, ...opts };
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const wall0 = Date.now();
  const sim = new Simulator({ seed: 7, ...o.sim });
  const r = seededRandom(sim.options.seed ^ 0xabc);
  const alive = () => sim.nodes.filter((n) => n.alive).map((n) => n.index);
  sim.addNodes(o.nodes, (i) => i * o.joinEveryMs);
  const joined = o.nodes * o.joinEveryMs;
  for (let t = 60_000; t < joined + 10 * MAINTENANCE_MS + o.partitionMs; t += o.trafficEveryMs) {
    sim.at(t, () => {
      const pick = sample(r, alive(), 1)[0];
      if (pick !== undefined) sim.broadcast(pick);
    });
  }
  const phases: PhaseReport[] = [];
  const probe = async (phase: string) => {
    const mine: number[] = [];
    const start = sim.now;
    for (let i = 0; i < o.probes; i++) {
      sim.at(start + i * 1000, () => {
        const pick = sample(r, alive(), 1)[0];
        if (pick !== undefined) mine.push(sim.broadcast(pick));
      });
    }
    await sim.runUntil(start + o.probes * 1000 + 30_000);
    phases.push({
      phase,
      at: start,
      shape: meshShape(sim),
      messages: mine.map((m) => messageReport(sim, sim.tracks[m]!)),
    });
  };
  await sim.runUntil(joined + 60_000);
  await probe("after join");
  gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  if (o.churn > 0) {
    sim.crash(sample(r, alive(), Math.round(o.nodes * o.churn)));
    await sim.runUntil(sim.now + 3 * MAINTENANCE_MS);
    await probe(`${Math.round(o.churn * 100)}% crashed, +3 maintenance cycles`);
  }
  if (o.partitionMs > 0) {
    sim.partition((i) => i % 2);
    await sim.runUntil(sim.now + o.partitionMs);
    await probe("partitioned in two");
    sim.heal();
    await sim.runUntil(sim.now + 3 * MAINTENANCE_MS);
    await probe("partition lifted, +3 maintenance cycles");
  }
  return {
    phases,
    heapPerNodeBytes: gc === undefined ? undefined : (heap1 - heap0) / o.nodes,
    events: sim.eventsProcessed,
    wallMs: Date.now() - wall0,
  };
}

/** Human-readable scenario report. */
export function renderScenario(rep: ScenarioReport): string {
  const out: string[] = [];
  const f = (x: number) => (Number.isNaN(x) ? "never" : `${x.toFixed(1)} ms`);
  for (const p of rep.phases) {
    const s = p.shape;
    out.push(`== ${p.phase} (t=${(p.at / 1000).toFixed(0)} s)`);
    out.push(
      `   live nodes ${s.alive}, connected components ${s.components} (largest ${s.largestComponent}), mean degree ${s.meanDegree.toFixed(2)}`,
    );
    out.push(`   degree distribution ${[...s.degrees].map(([d, k]) => `${d}:${k}`).join(" ")}`);
    for (const m of p.messages) {
      out.push(
        `   msg ${m.msg}: reach ${(m.reach * 100).toFixed(2)}%  t99 ${f(m.t99)}  t100 ${f(m.t100)}  hops ${m.maxHops}  dup/delivery ${m.duplicatesPerDelivery.toFixed(3)}`,
      );
    }
  }
  out.push(
    rep.heapPerNodeBytes === undefined
      ? "heap per node: run with --expose-gc to measure"
      : `heap per node (engine + simulator host, after join): ${(rep.heapPerNodeBytes / 1024).toFixed(1)} KiB`,
  );
  out.push(`${rep.events} events in ${(rep.wallMs / 1000).toFixed(1)} s wall time`);
  return out.join("\n");
}
