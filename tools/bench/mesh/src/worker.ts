import { parentPort, workerData } from "node:worker_threads";
import { isAvailable, resolveImpls } from "./registry.js";
import { RunLog } from "./run-log.js";
import { executeRun, type WorkloadOptions } from "./workload.js";

/** What `runIsolated` hands the worker. */
export interface WorkerInput {
  readonly impl: string;
  readonly n: number;
  readonly seed: number;
  readonly options: WorkloadOptions;
  readonly buffer: SharedArrayBuffer;
}

/** What the worker reports back; the measurements themselves are in the shared log. */
export type WorkerMessage =
  | {
      readonly type: "measured";
      readonly links: number;
      readonly rssMiB: number;
      readonly counters: Record<string, number>;
    }
  | { readonly type: "stopped" }
  | { readonly type: "error"; readonly message: string };

// Entry point of one isolated run (see isolated.ts).
const input = workerData as WorkerInput;
const port = parentPort;
if (port === null) throw new Error("worker.ts must run in a worker thread");
const post = (m: WorkerMessage) => port.postMessage(m);
try {
  const impl = resolveImpls([input.impl])[0]!;
  if (!isAvailable(impl)) throw new Error(`${impl.name}: ${impl.unavailable}`);
  const log = new RunLog({ n: input.n, ...input.options }, true, input.buffer);
  await executeRun(impl, input.n, input.seed, input.options, log, (extras) =>
    post({ type: "measured", ...extras }),
  );
  post({ type: "stopped" });
} catch (err) {
  post({ type: "error", message: err instanceof Error ? err.message : String(err) });
}
