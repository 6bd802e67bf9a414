import type { Mesh, MeshImpl } from "./impl.js";
import { makePayload, Phase, payloadPhase, payloadSeq } from "./payload.js";
import { Ended, now, type PhaseLog, RunLog, Stage } from "./run-log.js";
import { makeTopology } from "./topology.js";
import { censoredQuantile, DeliveryTracker } from "./tracker.js";

/** Sizes and limits of one run. The figures of issue 11 are {@link FULL_WORKLOAD}. */
export interface WorkloadOptions {
  /** Bytes per broadcast message. */
  readonly messageSize: number;
  /** Messages in the latency phase. */
  readonly latencyCount: number;
  /**
   * Unmeasured messages sent before the latency phase, at its interval, to warm
   * the JIT and caches (0 in the workload; `--warmup`).
   */
  readonly warmupCount: number;
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
  warmupCount: 0,
  latencyIntervalMs: 20,
  throughputCount: 5000,
  phaseCapMs: 60_000,
  // The issue counts what arrives within 60 s, and gossipsub was seen to stall for
  // more than 10 s and then resume, so a full run never ends a phase for silence.
  idleMs: 60_000,
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
  /**
   * Why the phase ended: every delivery made, the cap, the mesh went quiet, or
   * "stopped" — the mesh starved its own event loop past the cap and the
   * benchmark terminated it (isolated runs only).
   */
  readonly ended: "complete" | "cap" | "idle" | "stopped";
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

/** Resolves to `p`'s value, or to `null` once `deadline` (a `now()` time) has passed. */
async function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), Math.max(0, deadline - now()));
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the tracker is complete, the cap passes, or the mesh goes quiet after sending. */
function waitPhaseEnd(phase: PhaseLog, o: WorkloadOptions): Promise<Exclude<Ended, 0>> {
  const tracker = phase.tracker;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (why: Exclude<Ended, 0>) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      resolve(why);
    };
    tracker.whenComplete(() => finish(Ended.Complete));
    if (settled) return;
    timer = setInterval(() => {
      const t = now();
      const last = tracker.lastDeliveryAt;
      const quietSince = Math.max(phase.sendEndAt, Number.isNaN(last) ? 0 : last);
      if (t >= tracker.cutoff) finish(Ended.Cap);
      else if (t - quietSince >= o.idleMs) finish(Ended.Idle);
    }, 50);
  });
}

/** Waits until no message copy arrived for `quietMs` (bounded by `drainCapMs`). */
async function drain(mesh: Mesh, o: WorkloadOptions): Promise<void> {
  const stepMs = 50;
  const steps = Math.ceil(o.drainCapMs / stepMs);
  let last = mesh.wireStats().copies;
  let quietFor = 0;
  for (let i = 0; i < steps && quietFor < o.quietMs; i++) {
    await sleep(stepMs);
    const copies = mesh.wireStats().copies;
    quietFor = copies === last ? quietFor + stepMs : 0;
    last = copies;
  }
}

/** Routes deliveries to the tracker of the phase the message belongs to. */
class Router {
  readonly #trackers: (DeliveryTracker | null)[] = [null, null, null, null];
  readonly #logs: (PhaseLog | null)[] = [null, null, null, null];
  readonly #wire: () => ReturnType<Mesh["wireStats"]>;
  constructor(mesh: Mesh) {
    this.#wire = () => mesh.wireStats();
  }
  set(phase: Phase, t: DeliveryTracker | null, log: PhaseLog | null = null): void {
    this.#trackers[phase] = t;
    this.#logs[phase] = log;
  }
  readonly deliver = (node: number, data: Uint8Array): void => {
    const phase = payloadPhase(data);
    const t = this.#trackers[phase];
    if (t == null) return;
    t.record(node, payloadSeq(data), now());
    this.#logs[phase]?.maybeSnapshot(this.#wire);
  };
}

async function probe(mesh: Mesh, router: Router, o: WorkloadOptions): Promise<boolean> {
  const t = new DeliveryTracker(mesh.size, o.probes, o.sender);
  router.set(Phase.Probe, t);
  try {
    for (let i = 0; i < o.probes; i++) {
      t.sentAt[i] = now();
      await mesh.publish(o.sender, makePayload(Phase.Probe, i, o.messageSize));
      if (await pollUntil(() => t.perMessage[i] === t.receivers, o.probeTimeoutMs)) return true;
    }
    return false;
  } finally {
    router.set(Phase.Probe, null);
  }
}

/** Sends on the latency schedule (or flat out when `intervalMs` is 0) until done or the cap. */
async function sendPhase(
  mesh: Mesh,
  log: PhaseLog,
  phase: Phase,
  count: number,
  intervalMs: number,
  o: WorkloadOptions,
): Promise<void> {
  const t = log.tracker;
  const start = log.startAt;
  for (let i = 0; i < count; i++) {
    // Absolute schedule: a slow publish delays one message, not all later ones.
    if (intervalMs > 0) await sleep(start + i * intervalMs - now());
    if (now() >= t.cutoff) break;
    const payload = makePayload(phase, i, o.messageSize);
    t.sentAt[i] = now();
    if ((await beforeDeadline(mesh.publish(o.sender, payload), t.cutoff)) === null) break;
    log.sent = i + 1;
  }
  log.sendDone();
}

async function runPhase(
  mesh: Mesh,
  router: Router,
  log: PhaseLog,
  phase: Phase,
  count: number,
  intervalMs: number,
  o: WorkloadOptions,
): Promise<void> {
  router.set(phase, log.tracker, log);
  log.begin(mesh.wireStats(), o.phaseCapMs);
  await sendPhase(mesh, log, phase, count, intervalMs, o);
  const ended = await waitPhaseEnd(log, o);
  log.end(ended);
  if (ended !== Ended.Cap) await drain(mesh, o);
  log.snapshot(mesh.wireStats());
  router.set(phase, null);
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** What the run reports besides the log, taken just before the mesh stops. */
export interface RunExtras {
  readonly links: number;
  readonly rssMiB: number;
  readonly counters: Record<string, number>;
}

/**
 * Executes one run and writes every measurement into `log` as it goes; the mesh
 * is always stopped at the end. `onMeasured` gets the extras before the stop.
 * Rejects when the mesh does not form.
 */
export async function executeRun(
  impl: MeshImpl,
  n: number,
  seed: number,
  o: WorkloadOptions,
  log: RunLog,
  onMeasured: (extras: RunExtras) => void = () => {},
): Promise<RunExtras> {
  if (o.sender < 0 || o.sender >= n) throw new RangeError(`sender ${o.sender} is not a node`);
  const topology = makeTopology(n, seed);
  collectGarbage();
  log.runStartAt = now();
  log.stage = Stage.Forming;
  const mesh = await impl.start({ topology, topic: "prch-bench-mesh" });
  try {
    const router = new Router(mesh);
    mesh.onDeliver(router.deliver);
    await mesh.waitFormed(Math.max(0, o.formCapMs - (now() - log.runStartAt)));
    if (!(await probe(mesh, router, o))) {
      throw new Error(`${impl.name}: no probe reached all ${n} nodes; the mesh did not form`);
    }
    log.formMs = now() - log.runStartAt;
    for (let i = 0; i < o.warmupCount; i++) {
      // Probe-phase payloads beyond the probes: the router counts them as strays.
      await mesh.publish(o.sender, makePayload(Phase.Probe, o.probes + i, o.messageSize));
      await sleep(o.latencyIntervalMs);
    }
    await sleep(o.settleMs);
    log.stage = Stage.Latency;
    await runPhase(
      mesh,
      router,
      log.latency,
      Phase.Latency,
      o.latencyCount,
      o.latencyIntervalMs,
      o,
    );
    await sleep(o.settleMs);
    log.stage = Stage.Throughput;
    await runPhase(mesh, router, log.throughput, Phase.Throughput, o.throughputCount, 0, o);
    collectGarbage();
    const extras: RunExtras = {
      links: topology.links,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      counters: mesh.counters?.() ?? {},
    };
    log.stage = Stage.Measured;
    onMeasured(extras);
    return extras;
  } finally {
    await mesh.stop();
  }
}

const ENDED_NAMES = {
  [Ended.Running]: "stopped",
  [Ended.Complete]: "complete",
  [Ended.Cap]: "cap",
  [Ended.Idle]: "idle",
} as const;

function phaseCosts(log: PhaseLog): PhaseCosts {
  const t = log.tracker;
  return {
    delivered: t.delivered,
    late: t.late,
    expected: t.expected,
    loss: 1 - t.delivered / t.expected,
    ...log.costs(),
    ended: ENDED_NAMES[log.ended],
  };
}

/** Builds the run's figures from its log (on whichever thread holds the log). */
export function resultFromLog(
  impl: string,
  n: number,
  seed: number,
  log: RunLog,
  extras: RunExtras,
): RunResult {
  const lt = log.latency.tracker;
  const all = lt.latencies(lt.completeAt).sort((a, b) => a - b);
  const quorum = lt.latencies(lt.quorumAt).sort((a, b) => a - b);
  let incomplete = 0;
  for (const v of all) if (!Number.isFinite(v)) incomplete++;
  const latency: LatencyResult = {
    ...phaseCosts(log.latency),
    incomplete,
    allP50Ms: censoredQuantile(all, 0.5),
    allP99Ms: censoredQuantile(all, 0.99),
    quorumP50Ms: censoredQuantile(quorum, 0.5),
    quorumP99Ms: censoredQuantile(quorum, 0.99),
  };
  const tp = log.throughput;
  const t = tp.tracker;
  const sendEnd = Number.isNaN(tp.sendEndAt) ? t.cutoff : tp.sendEndAt;
  const elapsedMs = Number.isNaN(t.lastDeliveryAt) ? Number.NaN : t.lastDeliveryAt - tp.startAt;
  const throughput: ThroughputResult = {
    ...phaseCosts(tp),
    sent: tp.sent,
    publishPerSec: tp.sent / ((sendEnd - tp.startAt) / 1000),
    elapsedMs,
    msgsPerSecPerReceiver: t.delivered === 0 ? 0 : t.delivered / t.receivers / (elapsedMs / 1000),
  };
  return { impl, n, seed, formMs: log.formMs, latency, throughput, ...extras };
}

/**
 * One run of the issue-11 workload against one implementation, in this thread:
 * start `n` nodes on the seeded topology, wait for the mesh, probe it, then the
 * latency phase and the throughput phase; the mesh is always stopped at the end.
 * Rejects when the mesh does not form. (`runIsolated` runs the same code in a
 * worker thread, so that a mesh that starves its event loop can be cut off.)
 */
export async function runWorkload(
  impl: MeshImpl,
  n: number,
  seed: number,
  o: WorkloadOptions = FULL_WORKLOAD,
): Promise<RunResult> {
  const log = new RunLog({ n, ...o }, false);
  const extras = await executeRun(impl, n, seed, o, log);
  return resultFromLog(impl.name, n, seed, log, extras);
}
