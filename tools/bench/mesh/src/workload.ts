import { performance } from "node:perf_hooks";
import type { Mesh, MeshImpl, WireStats } from "./impl.js";
import { makePayload, Phase, payloadPhase, payloadSeq } from "./payload.js";
import { makeTopology } from "./topology.js";
import { censoredQuantile, DeliveryTracker } from "./tracker.js";

/** Sizes and limits of one run. The figures of issue 11 are {@link FULL_WORKLOAD}. */
export interface WorkloadOptions {
  /** Bytes per broadcast message. */
  readonly messageSize: number;
  /** Messages in the latency phase. */
  readonly latencyCount: number;
  /** Gap between latency-phase messages, ms. */
  readonly latencyIntervalMs: number;
  /** Messages in the throughput phase. */
  readonly throughputCount: number;
  /** Hard limit on each phase (sending and waiting together), ms. */
  readonly phaseCapMs: number;
  /** A phase also ends when the sender is done and nothing arrived for this long, ms. */
  readonly idleMs: number;
  /** Limit on starting the nodes, dialling and `waitFormed`, ms. */
  readonly formCapMs: number;
  /** Probe messages tried before the mesh counts as not formed. */
  readonly probes: number;
  /** How long one probe may take to reach every node, ms. */
  readonly probeTimeoutMs: number;
  /** Index of the node that publishes. */
  readonly sender: number;
  /** Settling time between phases so in-flight duplicates do not leak into the next one, ms. */
  readonly settleMs: number;
  /**
   * After the last delivery, copies may still be in flight (a router that hands
   * a message to the application before forwarding it). The costs are read only
   * once no copy arrived for `quietMs`, waiting at most `drainCapMs`.
   */
  readonly quietMs: number;
  readonly drainCapMs: number;
}

/** Issue 11: 200 × 1 KiB every 20 ms, then 5,000 × 1 KiB flat out, 60 s per phase. */
export const FULL_WORKLOAD: WorkloadOptions = {
  messageSize: 1024,
  latencyCount: 200,
  latencyIntervalMs: 20,
  throughputCount: 5000,
  phaseCapMs: 60_000,
  idleMs: 10_000,
  formCapMs: 60_000,
  probes: 5,
  probeTimeoutMs: 10_000,
  sender: 0,
  settleMs: 250,
  quietMs: 500,
  drainCapMs: 10_000,
};

/** Small counts for a smoke run (`--quick`). */
export const QUICK_WORKLOAD: WorkloadOptions = {
  ...FULL_WORKLOAD,
  latencyCount: 20,
  throughputCount: 200,
  phaseCapMs: 20_000,
  idleMs: 3_000,
  formCapMs: 20_000,
  probeTimeoutMs: 5_000,
  settleMs: 100,
};

/** Costs of one phase, divided by the distinct deliveries it made. */
export interface PhaseCosts {
  /** Distinct (receiver, message) deliveries within the phase cap. */
  readonly delivered: number;
  /** Distinct deliveries after the cap (they count for the costs only). */
  readonly late: number;
  /** Deliveries needed for every receiver to have every message. */
  readonly expected: number;
  /** 1 - delivered / expected. */
  readonly loss: number;
  /** Message copies received (duplicates included) per delivery (late ones included). */
  readonly copiesPerDelivery: number;
  /** Loopback bytes per delivery. */
  readonly bytesPerDelivery: number;
  /** Process CPU time (user + system) per delivery, µs. */
  readonly cpuPerDeliveryUs: number;
  /** Why the phase ended. */
  readonly ended: "complete" | "cap" | "idle";
}

export interface LatencyResult extends PhaseCosts {
  /** Messages that did not reach every receiver. */
  readonly incomplete: number;
  /** Time from publish until the last receiver had the message, ms: p50 and p99 (Infinity when lost). */
  readonly allP50Ms: number;
  readonly allP99Ms: number;
  /** Time until 95% of the receivers had it, ms. */
  readonly quorumP50Ms: number;
  readonly quorumP99Ms: number;
}

export interface ThroughputResult extends PhaseCosts {
  /** Messages the sender's `publish` accepted within the cap. */
  readonly sent: number;
  /** Rate at which `publish` accepted messages, per s. */
  readonly publishPerSec: number;
  /** From the first publish until the last delivery, ms. */
  readonly elapsedMs: number;
  /** Distinct messages per receiver per second over `elapsedMs`. */
  readonly msgsPerSecPerReceiver: number;
}

/** Everything one run of one implementation at one size measured. */
export interface RunResult {
  readonly impl: string;
  readonly n: number;
  readonly seed: number;
  /** Distinct undirected links in the topology. */
  readonly links: number;
  /** From starting the first node until a probe reached every node, ms. */
  readonly formMs: number;
  readonly latency: LatencyResult;
  readonly throughput: ThroughputResult;
  /** Resident set size after the throughput phase (after a GC when `--expose-gc`), MiB. */
  readonly rssMiB: number;
  /** The implementation's own counters after the throughput phase (see `Mesh.counters`). */
  readonly counters: Record<string, number>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `done` every `stepMs` until it holds or `timeoutMs` passes; true when it held. */
async function pollUntil(done: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const steps = Math.max(1, Math.ceil(timeoutMs / stepMs));
  for (let i = 0; i < steps; i++) {
    if (done()) return true;
    await sleep(stepMs);
  }
  return done();
}

/** Resolves to `p`'s value, or to `null` once `deadline` (performance.now() time) has passed. */
async function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the tracker is complete, the cap passes, or the mesh goes quiet after sending. */
function waitPhaseEnd(
  tracker: DeliveryTracker,
  startedAt: number,
  senderDoneAt: number,
  o: WorkloadOptions,
): Promise<PhaseCosts["ended"]> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (why: PhaseCosts["ended"]) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      resolve(why);
    };
    tracker.whenComplete(() => finish("complete"));
    if (settled) return;
    timer = setInterval(() => {
      const now = performance.now();
      const quietSince = Math.max(
        senderDoneAt,
        Number.isNaN(tracker.lastDeliveryAt) ? 0 : tracker.lastDeliveryAt,
      );
      if (now - startedAt >= o.phaseCapMs) finish("cap");
      else if (now - quietSince >= o.idleMs) finish("idle");
    }, 50);
  });
}

function costs(
  tracker: DeliveryTracker,
  wire0: WireStats,
  wire1: WireStats,
  cpu: NodeJS.CpuUsage,
  ended: PhaseCosts["ended"],
): PhaseCosts {
  const d = tracker.deliveredAll;
  const per = (x: number) => (d === 0 ? Number.NaN : x / d);
  return {
    delivered: tracker.delivered,
    late: tracker.late,
    expected: tracker.expected,
    loss: 1 - tracker.delivered / tracker.expected,
    copiesPerDelivery: per(wire1.copies - wire0.copies),
    bytesPerDelivery: per(wire1.bytes - wire0.bytes),
    cpuPerDeliveryUs: per(cpu.user + cpu.system),
    ended,
  };
}

/** Waits until no message copy arrived for `quietMs` (bounded by `drainCapMs`). */
async function drain(mesh: Mesh, o: WorkloadOptions): Promise<void> {
  const stepMs = 50;
  const steps = Math.ceil(o.drainCapMs / stepMs);
  let last = mesh.wireStats().copies;
  let quietFor = 0;
  for (let i = 0; i < steps && quietFor < o.quietMs; i++) {
    await sleep(stepMs);
    const now = mesh.wireStats().copies;
    quietFor = now === last ? quietFor + stepMs : 0;
    last = now;
  }
}

/** Routes deliveries to the tracker of the phase the message belongs to. */
class Router {
  readonly #trackers: (DeliveryTracker | null)[] = [null, null, null, null];
  set(phase: Phase, t: DeliveryTracker | null): void {
    this.#trackers[phase] = t;
  }
  readonly deliver = (node: number, data: Uint8Array): void => {
    const t = this.#trackers[payloadPhase(data)];
    if (t != null) t.record(node, payloadSeq(data), performance.now());
  };
}

async function probe(mesh: Mesh, router: Router, o: WorkloadOptions): Promise<boolean> {
  const t = new DeliveryTracker(mesh.size, o.probes, o.sender);
  router.set(Phase.Probe, t);
  try {
    for (let i = 0; i < o.probes; i++) {
      t.sentAt[i] = performance.now();
      await mesh.publish(o.sender, makePayload(Phase.Probe, i, o.messageSize));
      if (await pollUntil(() => t.perMessage[i] === t.receivers, o.probeTimeoutMs)) return true;
    }
    return false;
  } finally {
    router.set(Phase.Probe, null);
  }
}

async function latencyPhase(
  mesh: Mesh,
  router: Router,
  o: WorkloadOptions,
): Promise<LatencyResult> {
  const t = new DeliveryTracker(mesh.size, o.latencyCount, o.sender);
  router.set(Phase.Latency, t);
  const wire0 = mesh.wireStats();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + o.phaseCapMs;
  t.cutoff = deadline;
  for (let i = 0; i < o.latencyCount; i++) {
    // Absolute schedule: a slow publish delays one message, not all later ones.
    await sleep(start + i * o.latencyIntervalMs - performance.now());
    if (performance.now() >= deadline) break;
    const payload = makePayload(Phase.Latency, i, o.messageSize);
    t.sentAt[i] = performance.now();
    if ((await beforeDeadline(mesh.publish(o.sender, payload), deadline)) === null) break;
  }
  const ended = await waitPhaseEnd(t, start, performance.now(), o);
  if (ended !== "cap") await drain(mesh, o);
  const cpu = process.cpuUsage(cpu0);
  const wire1 = mesh.wireStats();
  router.set(Phase.Latency, null);
  const all = t.latencies(t.completeAt).sort((a, b) => a - b);
  const quorum = t.latencies(t.quorumAt).sort((a, b) => a - b);
  let incomplete = 0;
  for (const v of all) if (!Number.isFinite(v)) incomplete++;
  return {
    ...costs(t, wire0, wire1, cpu, ended),
    incomplete,
    allP50Ms: censoredQuantile(all, 0.5),
    allP99Ms: censoredQuantile(all, 0.99),
    quorumP50Ms: censoredQuantile(quorum, 0.5),
    quorumP99Ms: censoredQuantile(quorum, 0.99),
  };
}

async function throughputPhase(
  mesh: Mesh,
  router: Router,
  o: WorkloadOptions,
): Promise<ThroughputResult> {
  const t = new DeliveryTracker(mesh.size, o.throughputCount, o.sender);
  router.set(Phase.Throughput, t);
  const wire0 = mesh.wireStats();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + o.phaseCapMs;
  t.cutoff = deadline;
  let sent = 0;
  for (let i = 0; i < o.throughputCount; i++) {
    if (performance.now() >= deadline) break;
    const payload = makePayload(Phase.Throughput, i, o.messageSize);
    t.sentAt[i] = performance.now();
    if ((await beforeDeadline(mesh.publish(o.sender, payload), deadline)) === null) break;
    sent++;
  }
  const sendEnd = performance.now();
  const ended = await waitPhaseEnd(t, start, sendEnd, o);
  if (ended !== "cap") await drain(mesh, o);
  const cpu = process.cpuUsage(cpu0);
  const wire1 = mesh.wireStats();
  router.set(Phase.Throughput, null);
  const elapsedMs = Number.isNaN(t.lastDeliveryAt) ? Number.NaN : t.lastDeliveryAt - start;
  return {
    ...costs(t, wire0, wire1, cpu, ended),
    sent,
    publishPerSec: sent / ((sendEnd - start) / 1000),
    elapsedMs,
    msgsPerSecPerReceiver: t.delivered === 0 ? 0 : t.delivered / t.receivers / (elapsedMs / 1000),
  };
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * One run of the issue-11 workload against one implementation: start `n` nodes on
 * the seeded topology, wait for the mesh, probe it, then the latency phase and
 * the throughput phase, measuring both; the mesh is always stopped at the end.
 * Rejects when the mesh does not form.
 */
export async function runWorkload(
  impl: MeshImpl,
  n: number,
  seed: number,
  o: WorkloadOptions = FULL_WORKLOAD,
): Promise<RunResult> {
  if (o.sender < 0 || o.sender >= n) throw new RangeError(`sender ${o.sender} is not a node`);
  const topology = makeTopology(n, seed);
  collectGarbage();
  const t0 = performance.now();
  const mesh = await impl.start({ topology, topic: "prch-bench-mesh" });
  try {
    const router = new Router();
    mesh.onDeliver(router.deliver);
    await mesh.waitFormed(Math.max(0, o.formCapMs - (performance.now() - t0)));
    if (!(await probe(mesh, router, o))) {
      throw new Error(`${impl.name}: no probe reached all ${n} nodes; the mesh did not form`);
    }
    const formMs = performance.now() - t0;
    await sleep(o.settleMs);
    const latency = await latencyPhase(mesh, router, o);
    await sleep(o.settleMs);
    const throughput = await throughputPhase(mesh, router, o);
    collectGarbage();
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    const counters = mesh.counters?.() ?? {};
    return {
      impl: impl.name,
      n,
      seed,
      links: topology.links,
      formMs,
      latency,
      throughput,
      rssMiB,
      counters,
    };
  } finally {
    await mesh.stop();
  }
}
