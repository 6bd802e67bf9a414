import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MeshArgs } from "./args.js";
import { isAvailable, resolveImpls } from "./registry.js";
import {
  formatMeshReport,
  type GroupResult,
  type MeshReport,
  makeReport,
  reportJson,
  summariseGroup,
} from "./report.js";
import { runIsolated } from "./isolated.js";
import { FULL_WORKLOAD, QUICK_WORKLOAD, type RunResult, runWorkload } from "./workload.js";

/**
 * Runs every requested implementation at every size, `runs` times each, one
 * after another in this process; prints one table and writes the JSON report.
 * `log` receives progress lines and the table.
 */
export async function runMeshBench(
  args: MeshArgs,
  log: (line: string) => void = console.log,
  options: { readonly isolate?: boolean } = {},
): Promise<MeshReport> {
  // Isolated (worker-thread) runs need the built worker.js; tests run in-thread.
  const isolate = options.isolate ?? !args.inThread;
  const workload = { ...(args.quick ? QUICK_WORKLOAD : FULL_WORKLOAD), warmupCount: args.warmup };
  const impls = resolveImpls(args.impls);
  const groups: GroupResult[] = [];
  const skipped: { impl: string; reason: string }[] = [];
  for (const impl of impls) {
    if (!isAvailable(impl)) {
      log(`${impl.name}: skipped: ${impl.unavailable}`);
      skipped.push({ impl: impl.name, reason: impl.unavailable });
      continue;
    }
    for (const n of args.sizes) {
      const runs: RunResult[] = [];
      const failures: string[] = [];
      for (let k = 0; k < args.runs; k++) {
        const seed = args.seed + k;
        log(`${impl.name} N=${n} run ${k + 1}/${args.runs} (seed ${seed}) …`);
        try {
          const r = isolate
            ? await runIsolated(impl.name, n, seed, workload)
            : await runWorkload(impl, n, seed, workload);
          runs.push(r);
          const t = r.throughput;
          log(
            `  ${t.msgsPerSecPerReceiver.toFixed(0)} msg/s/rcv, loss ${(t.loss * 100).toFixed(2)}%` +
              ` (${t.ended}), p99 ${r.latency.allP99Ms.toFixed(1)} ms, ${t.cpuPerDeliveryUs.toFixed(0)} µs CPU/dlv`,
          );
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          failures.push(msg);
          log(`  failed: ${msg}`);
        }
      }
      groups.push(summariseGroup(impl.name, impl.description, n, runs, failures));
    }
  }
  const report = makeReport(groups, skipped, workload, args.quick);
  log(formatMeshReport(report));
  const path = resolve(args.json);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, reportJson(report));
  log(`wrote ${path}`);
  return report;
}
