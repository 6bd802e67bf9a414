import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { human, quantile, renderTable, runBench, summarise } from "../src/index.js";

describe("stats", () => {
  it("interpolates quantiles", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.99)).toBe(10);
    expect(quantile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4, 5], 1)).toBe(5);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
  it("summarises unsorted samples", () => {
    const s = summarise([5, 1, 3]);
    expect(s).toMatchObject({ min: 1, median: 3, max: 5, mean: 3, samples: 3 });
    expect(s.spread).toBeCloseTo(4 / 3);
  });
});

describe("format", () => {
  it("aligns columns", () => {
    const t = renderTable(["a", "bb"], [["xyz", "1"]]).split("\n");
    expect(t).toEqual(["a    bb", "---  --", "xyz   1"]);
  });
  it("abbreviates", () => {
    expect(human(1_234_567)).toBe("1.23M");
    expect(human(12_345)).toBe("12.3k");
    expect(human(0.5)).toBe("0.500");
  });
});

describe("runBench", () => {
  it("measures cases, computes the reference ratio and writes JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prch-bench-"));
    const jsonPath = join(dir, "r.json");
    let printed = "";
    let slowCalls = 0;
    const report = await runBench(
      "selftest",
      [
        {
          title: "g",
          reference: "slow",
          cases: [
            {
              name: "slow",
              bytes: 1000,
              run: () => {
                slowCalls++;
                let x = 0;
                for (let i = 0; i < 20_000; i++) x += i;
                return x;
              },
            },
            { name: "fast", bytes: 1000, run: () => 1 },
          ],
        },
      ],
      { warmupMs: 5, samples: 3, sampleMs: 10, jsonPath, print: (t) => (printed += t) },
    );
    expect(slowCalls).toBeGreaterThan(0);
    const slow = report.results.find((r) => r.name === "slow")!;
    const fast = report.results.find((r) => r.name === "fast")!;
    expect(slow.ratio).toBe(1);
    expect(fast.ratio!).toBeGreaterThan(1);
    expect(fast.mbPerSec!.median).toBeCloseTo((fast.opsPerSec.median * 1000) / 1e6);
    expect(printed).toContain("vs ref");
    const json = JSON.parse(readFileSync(jsonPath, "utf8"));
    expect(json.results).toHaveLength(2);
    expect(json.suite).toBe("selftest");
  });
  it("rejects a reference that is not a case", async () => {
    await expect(
      runBench("bad", [{ title: "g", reference: "nope", cases: [{ name: "a", run: () => 0 }] }], {
        warmupMs: 1,
        samples: 1,
        sampleMs: 1,
        jsonPath: join(tmpdir(), "prch-bad.json"),
        print: () => {},
      }),
    ).rejects.toThrow(/reference case "nope"/);
  });
});
