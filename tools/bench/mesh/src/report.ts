import { cpus, loadavg } from "node:os";
import { human, renderTable, type Summary, summarise } from "@prch/bench";
import { censoredQuantile } from "./tracker.js";
import type { RunResult, WorkloadOptions } from "./workload.js";

/** The figures the table shows, each summarised over the runs as min/median/max. */
export const METRICS = {
  msgsPerSecPerReceiver: (r: RunResult) => r.throughput.msgsPerSecPerReceiver,
  loss: (r: RunResult) => r.throughput.loss,
  latencyAllP50Ms: (r: RunResult) => r.latency.allP50Ms,
  latencyAllP99Ms: (r: RunResult) => r.latency.allP99Ms,
  latencyQuorumP50Ms: (r: RunResult) => r.latency.quorumP50Ms,
  latencyQuorumP99Ms: (r: RunResult) => r.latency.quorumP99Ms,
  latencyIncomplete: (r: RunResult) => r.latency.incomplete,
  copiesPerDelivery: (r: RunResult) => r.throughput.copiesPerDelivery,
  bytesPerDelivery: (r: RunResult) => r.throughput.bytesPerDelivery,
  cpuPerDeliveryUs: (r: RunResult) => r.throughput.cpuPerDeliveryUs,
  rssMiB: (r: RunResult) => r.rssMiB,
  formMs: (r: RunResult) => r.formMs,
} as const;

export type MetricName = keyof typeof METRICS;

/** All runs of one implementation at one mesh size. */
export interface GroupResult {
  readonly impl: string;
  readonly description: string;
  readonly n: number;
  readonly runs: readonly RunResult[];
  /** Runs that threw (e.g. the mesh did not form), with the message. */
  readonly failures: readonly string[];
  /** min/median/max per metric over `runs`; absent when no run succeeded. */
  readonly summary: Partial<Record<MetricName, Summary>>;
}

export interface MeshReport {
  readonly suite: "mesh";
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /**
   * The machine's 1/5/15-minute load averages when the report was made: other
   * work on the machine slows every implementation, so figures from a busy
   * machine are only comparable within the same report.
   */
  readonly loadAverage: readonly number[];
  readonly date: string;
  readonly quick: boolean;
  readonly workload: WorkloadOptions;
  readonly groups: readonly GroupResult[];
  readonly skipped: readonly { readonly impl: string; readonly reason: string }[];
}

/**
 * Like `summarise`, but tolerates +Infinity (a lost latency message): the order
 * statistics stay exact and the mean becomes Infinity. NaN values (a figure a run
 * could not measure, e.g. cost per delivery with no delivery) are left out.
 */
export function summariseRuns(values: readonly number[]): Summary | undefined {
  const known = values.filter((v) => !Number.isNaN(v));
  if (known.length === 0) return undefined;
  if (known.every(Number.isFinite)) return summarise(known);
  const sorted = [...known].sort((a, b) => a - b);
  const median = censoredQuantile(sorted, 0.5);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return {
    min,
    median,
    max,
    mean: Number.POSITIVE_INFINITY,
    spread: Number.isFinite(median) && median !== 0 ? (max - min) / median : Number.NaN,
    samples: sorted.length,
  };
}

export function summariseGroup(
  impl: string,
  description: string,
  n: number,
  runs: readonly RunResult[],
  failures: readonly string[],
): GroupResult {
  const summary: Partial<Record<MetricName, Summary>> = {};
  for (const [name, pick] of Object.entries(METRICS) as [MetricName, (r: RunResult) => number][]) {
    const s = summariseRuns(runs.map(pick));
    if (s !== undefined) summary[name] = s;
  }
  return { impl, description, n, runs, failures, summary };
}

export function makeReport(
  groups: readonly GroupResult[],
  skipped: MeshReport["skipped"],
  workload: WorkloadOptions,
  quick: boolean,
): MeshReport {
  const cpuList = cpus();
  return {
    suite: "mesh",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    loadAverage: loadavg(),
    date: new Date().toISOString(),
    quick,
    workload,
    groups,
    skipped,
  };
}

function ms(v: number): string {
  if (Number.isNaN(v)) return "-";
  if (!Number.isFinite(v)) return "lost";
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

const num = (v: number) => (Number.isFinite(v) ? human(v) : "-");
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : "-");

const COLUMNS: readonly [string, MetricName, (v: number) => string][] = [
  ["msg/s/rcv", "msgsPerSecPerReceiver", num],
  ["loss", "loss", pct],
  ["all p50 ms", "latencyAllP50Ms", ms],
  ["all p99 ms", "latencyAllP99Ms", ms],
  ["95% p50 ms", "latencyQuorumP50Ms", ms],
  ["95% p99 ms", "latencyQuorumP99Ms", ms],
  ["copies/dlv", "copiesPerDelivery", num],
  ["B/dlv", "bytesPerDelivery", num],
  ["CPU µs/dlv", "cpuPerDeliveryUs", num],
  ["RSS MiB", "rssMiB", num],
  ["form ms", "formMs", ms],
];

/**
 * One table: a row per implementation, mesh size and order statistic (min,
 * median, max over the runs). Each column is summarised on its own, so a
 * "min" row is the best figure of each column, not one particular run.
 */
export function formatMeshReport(r: MeshReport): string {
  const rows: string[][] = [];
  for (const g of r.groups) {
    const label = `${g.impl}`;
    if (g.runs.length === 0) {
      rows.push([label, String(g.n), "failed", ...COLUMNS.map(() => "-")]);
      continue;
    }
    for (const stat of ["min", "median", "max"] as const) {
      rows.push([
        stat === "min" ? label : "",
        stat === "min" ? String(g.n) : "",
        stat === "median" ? `med (${g.runs.length})` : stat,
        ...COLUMNS.map(([, key, fmt]) => {
          const s = g.summary[key];
          return s === undefined ? "-" : fmt(s[stat]);
        }),
      ]);
    }
  }
  const w = r.workload;
  const lines = [
    `mesh  (node ${r.node}, ${r.platform}, ${r.cpus} × ${r.cpuModel}, load ${r.loadAverage.map((x) => x.toFixed(1)).join("/")}${r.quick ? ", QUICK" : ""})`,
    `latency: ${w.latencyCount} × ${w.messageSize} B every ${w.latencyIntervalMs} ms` +
      `${w.warmupCount > 0 ? ` after ${w.warmupCount} unmeasured` : ""}; ` +
      `throughput: ${w.throughputCount} × ${w.messageSize} B flat out; cap ${w.phaseCapMs / 1000} s per phase`,
    renderTable(["impl", "N", "runs", ...COLUMNS.map(([h]) => h)], rows),
  ];
  for (const s of r.skipped) lines.push(`${s.impl}: skipped: ${s.reason}`);
  for (const g of r.groups) {
    for (const f of g.failures) lines.push(`${g.impl} N=${g.n}: run failed: ${f}`);
  }
  return lines.join("\n");
}

/** JSON with non-finite numbers spelled out ("Infinity", "NaN") instead of JSON's lossy null. */
export function reportJson(r: MeshReport): string {
  return `${JSON.stringify(
    r,
    (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
    2,
  )}\n`;
}
