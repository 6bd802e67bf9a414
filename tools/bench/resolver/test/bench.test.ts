import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runResolverBench } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "prch-bench-resolver-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runResolverBench", () => {
  it("measures Register and Resolve on every available store and writes both reports", async () => {
    const printed: string[] = [];
    const jsonPath = join(dir, "resolver.json");
    const latencyJsonPath = join(dir, "latency.json");
    const report = await runResolverBench({
      registrations: 200,
      connections: 2,
      depth: 2,
      latencyOps: 20,
      latencyJsonPath,
      harness: { warmupMs: 5, samples: 2, sampleMs: 5, jsonPath, print: (t) => printed.push(t) },
    });
    const stores = report.skipped.some((s) => s.store === "redis")
      ? ["memory"]
      : ["memory", "redis"];
    expect(report.throughput.results.map((r) => r.name)).toEqual([
      ...stores.map((s) => `Register (${s})`),
      ...stores.map((s) => `Resolve (${s})`),
    ]);
    for (const r of report.throughput.results) expect(r.opsPerSec.median).toBeGreaterThan(0);
    expect(report.latency).toHaveLength(stores.length * 2);
    for (const l of report.latency) {
      expect(l.unloaded.samples).toBe(20);
      expect(l.loaded.samples).toBeGreaterThan(0);
      expect(l.loaded.p99).toBeGreaterThanOrEqual(l.loaded.p50);
    }
    expect(JSON.parse(readFileSync(jsonPath, "utf8")).suite).toBe("resolver");
    expect(JSON.parse(readFileSync(latencyJsonPath, "utf8")).registrations).toBe(200);
    expect(printed.join("\n")).toContain("p99 loaded");
  });
});
