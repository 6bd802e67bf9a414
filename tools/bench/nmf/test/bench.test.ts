import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runNmfBench } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "prch-bench-nmf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runNmfBench", () => {
  it("measures both directions against the baseline and writes a report", async () => {
    const printed: string[] = [];
    const jsonPath = join(dir, "nmf.json");
    const report = await runNmfBench({
      batch: 20,
      harness: { warmupMs: 5, samples: 2, sampleMs: 5, jsonPath, print: (t) => printed.push(t) },
    });
    expect(report.results.map((r) => `${r.group} / ${r.name}`)).toEqual([
      "initiator → receiver, 1024 B / length-prefixed baseline",
      "initiator → receiver, 1024 B / nmf sized envelopes",
      "receiver → initiator, 1024 B / length-prefixed baseline",
      "receiver → initiator, 1024 B / nmf sized envelopes",
      "in memory, no sockets, 1024 B / length-prefixed baseline",
      "in memory, no sockets, 1024 B / nmf sized envelopes",
    ]);
    for (const r of report.results) {
      expect(r.opsPerSec.median).toBeGreaterThan(0);
      expect(r.ratio).not.toBeNull();
    }
    expect(JSON.parse(readFileSync(jsonPath, "utf8")).suite).toBe("nmf-framing");
    expect(printed.join("\n")).toContain("nmf sized envelopes");
  });
});
