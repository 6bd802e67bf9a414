import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { human, renderTable } from "./format.js";
import { type Summary, summarise } from "./stats.js";

/** One thing to measure. `run` performs `opsPerRun` operations (default 1). */
export interface BenchCase {
  readonly name: string;
  readonly run: () => unknown;
  /** Payload bytes handled per operation, for MB/s. */
  readonly bytes?: number;
  readonly opsPerRun?: number;
}

/** Cases that are compared with each other; `reference` names the baseline case. */
export interface BenchGroup {
  readonly title: string;
  readonly cases: readonly BenchCase[];
  readonly reference?: string;
}

export interface BenchOptions {
  /** Time spent running each case before any sample counts. */
  readonly warmupMs: number;
  /** Number of samples per case. */
  readonly samples: number;
  /** Minimum duration of one sample; a sample repeats `run` until it is reached. */
  readonly sampleMs: number;
  /** Where the JSON report goes; relative paths resolve against the working directory. */
  readonly jsonPath?: string;
  /** Receives the printed report; defaults to console.log. */
  readonly print?: (text: string) => void;
}

export interface CaseResult {
  readonly group: string;
  readonly name: string;
  readonly opsPerSec: Summary;
  readonly mbPerSec: Summary | null;
  /** Median ops/s divided by the reference case's median ops/s (1 for the reference itself). */
  readonly ratio: number | null;
}

export interface BenchReport {
  readonly suite: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly date: string;
  readonly options: Omit<BenchOptions, "print">;
  readonly results: readonly CaseResult[];
}

/** PRCH_BENCH_QUICK=1 shortens every run, for smoke-testing a benchmark. */
export function defaultOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return env.PRCH_BENCH_QUICK === "1"
    ? { warmupMs: 50, samples: 3, sampleMs: 50 }
    : { warmupMs: 1000, samples: 10, sampleMs: 500 };
}

async function sampleOnce(c: BenchCase, minMs: number): Promise<number> {
  const per = c.opsPerRun ?? 1;
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  const minNs = BigInt(Math.round(minMs * 1e6));
  do {
    const r = c.run();
    if (r instanceof Promise) await r;
    ops += per;
    elapsedNs = process.hrtime.bigint() - start;
  } while (elapsedNs < minNs);
  return ops / (Number(elapsedNs) / 1e9);
}

async function measure(c: BenchCase, o: BenchOptions): Promise<number[]> {
  await sampleOnce(c, o.warmupMs);
  const out: number[] = [];
  for (let i = 0; i < o.samples; i++) out.push(await sampleOnce(c, o.sampleMs));
  return out;
}

/**
 * Runs every case of every group one after another in this process, prints a
 * table with ops/s, MB/s and the ratio to each group's reference, and writes
 * the same figures as JSON.
 */
export async function runBench(
  suite: string,
  groups: readonly BenchGroup[],
  options: Partial<BenchOptions> = {},
): Promise<BenchReport> {
  const o: BenchOptions = { ...defaultOptions(), ...options };
  const results: CaseResult[] = [];
  for (const g of groups) {
    const measured = new Map<string, Summary>();
    for (const c of g.cases) measured.set(c.name, summarise(await measure(c, o)));
    const ref = g.reference === undefined ? undefined : measured.get(g.reference);
    if (g.reference !== undefined && ref === undefined) {
      throw new Error(
        `group "${g.title}": reference case "${g.reference}" is not one of its cases`,
      );
    }
    for (const c of g.cases) {
      const ops = measured.get(c.name)!;
      const mb =
        c.bytes === undefined
          ? null
          : summarise([ops.min, ops.median, ops.max].map((v) => (v * c.bytes!) / 1e6));
      results.push({
        group: g.title,
        name: c.name,
        opsPerSec: ops,
        mbPerSec: mb,
        ratio: ref === undefined ? null : ops.median / ref.median,
      });
    }
  }
  const report: BenchReport = {
    suite,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: (await import("node:os")).cpus().length,
    date: new Date().toISOString(),
    options: {
      warmupMs: o.warmupMs,
      samples: o.samples,
      sampleMs: o.sampleMs,
      jsonPath: o.jsonPath,
    },
    results,
  };
  (o.print ?? console.log)(formatReport(report));
  const jsonPath = resolve(o.jsonPath ?? `bench-results/${suite}.json`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

export function formatReport(r: BenchReport): string {
  const rows = r.results.map((x) => [
    x.group,
    x.name,
    human(x.opsPerSec.median),
    `${human(x.opsPerSec.min)}–${human(x.opsPerSec.max)}`,
    x.mbPerSec === null ? "-" : human(x.mbPerSec.median),
    x.ratio === null ? "-" : `${x.ratio.toFixed(2)}×`,
  ]);
  return [
    `${r.suite}  (node ${r.node}, ${r.platform}, ${r.cpus} cpus, ${r.options.samples} samples × ${r.options.sampleMs} ms)`,
    renderTable(["group", "case", "ops/s", "min–max", "MB/s", "vs ref"], rows),
  ].join("\n");
}
