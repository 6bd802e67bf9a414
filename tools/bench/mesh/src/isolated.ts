import { Worker } from "node:worker_threads";
import { Ended, now, RunLog, Stage } from "./run-log.js";
import { makeTopology } from "./topology.js";
import type { WorkerInput, WorkerMessage } from "./worker.js";
import { type RunExtras, type RunResult, resultFromLog, type WorkloadOptions } from "./workload.js";

/** How far past a deadline a starved worker may run before it is terminated, ms. */
const GRACE_MS = 5_000;
/** How long `mesh.stop()` may take after the measurements are in, ms. */
const STOP_MS = 30_000;

/** The latest time the run may still be going, judged from the shared log. */
function watchdogDeadline(log: RunLog, o: WorkloadOptions): number {
  const stage = log.stage;
  if (stage === Stage.Forming) {
    return (
      log.runStartAt +
      o.formCapMs +
      o.probes * o.probeTimeoutMs +
      o.warmupCount * (o.latencyIntervalMs + 50) +
      GRACE_MS
    );
  }
  const phase = stage === Stage.Latency ? log.latency : log.throughput;
  if (phase.ended === Ended.Running) return phase.startAt + o.phaseCapMs + GRACE_MS;
  return phase.endAt + o.drainCapMs + o.settleMs + GRACE_MS;
}

/**
 * Runs `runWorkload`'s code for one implementation in a worker thread. A mesh
 * that floods faster than it can forward (js-libp2p at full rate) keeps its event
 * loop busy for minutes, so the in-thread timers cannot enforce the 60 s cap and
 * its queues grow to gigabytes. Here the deliveries land in a SharedArrayBuffer,
 * the main thread watches the clock, and a worker still busy `GRACE_MS` after its
 * phase's cap is terminated; its figures so far are still reported, with the
 * phase marked "stopped". Needs the built `worker.js` next to this module.
 */
export async function runIsolated(
  impl: string,
  n: number,
  seed: number,
  o: WorkloadOptions,
  workerUrl: URL = new URL("./worker.js", import.meta.url),
): Promise<RunResult> {
  const log = new RunLog({ n, ...o }, true);
  log.runStartAt = now();
  const input: WorkerInput = { impl, n, seed, options: o, buffer: log.buffer as SharedArrayBuffer };
  // The worker runs built code: drop a test runner's source-resolution conditions
  // (`--conditions @prch/source`), which would point it at TypeScript files, and
  // V8 flags such as `--expose-gc`, which are process-wide (already in effect in
  // the worker) and which `new Worker` refuses in `execArgv`.
  const execArgv = process.execArgv.filter(
    (a, i, all) =>
      !a.startsWith("--conditions") &&
      !a.startsWith("-C") &&
      !a.startsWith("--expose-gc") &&
      !(all[i - 1] === "--conditions" || all[i - 1] === "-C"),
  );
  const worker = new Worker(workerUrl, { workerData: input, execArgv });
  let extras: RunExtras | null = null;
  let error: string | null = null;
  let stopped = false;
  let exited = false;
  worker.on("message", (m: WorkerMessage) => {
    if (m.type === "measured") extras = { links: m.links, rssMiB: m.rssMiB, counters: m.counters };
    else if (m.type === "stopped") stopped = true;
    else error = m.message;
  });
  worker.on("error", (e) => {
    error = e instanceof Error ? e.message : String(e);
  });
  worker.on("exit", () => {
    exited = true;
  });
  let terminated = false;
  let rssAtStop = Number.NaN;
  // Every stage has a deadline; this outer bound only guards against a log that
  // never shows one (e.g. a worker that dies before writing anything).
  const hardLimitMs =
    o.formCapMs +
    o.probes * o.probeTimeoutMs +
    2 * (o.phaseCapMs + o.drainCapMs + o.settleMs + GRACE_MS) +
    STOP_MS;
  const pollMs = 100;
  for (let i = 0; i < Math.ceil(hardLimitMs / pollMs); i++) {
    await new Promise((r) => setTimeout(r, pollMs));
    if (exited || stopped || error !== null) break;
    const deadline = extras !== null ? Number.POSITIVE_INFINITY : watchdogDeadline(log, o);
    if (extras !== null && now() - log.throughput.endAt > STOP_MS) break;
    if (now() > deadline) {
      terminated = true;
      rssAtStop = process.memoryUsage().rss / 2 ** 20;
      break;
    }
  }
  await worker.terminate();
  if (error !== null) throw new Error(error);
  if (extras === null) {
    if (!terminated || log.stage !== Stage.Throughput) {
      throw new Error(
        `${impl}: run stopped while ${["forming", "in the latency phase", "in the throughput phase", "stopping"][log.stage]} (worker starved past its deadline)`,
      );
    }
    extras = { links: makeTopology(n, seed).links, rssMiB: rssAtStop, counters: {} };
  }
  return resultFromLog(impl, n, seed, log, extras);
}
