import { runNmfBench } from "./bench.js";

// Entry point of `pnpm bench` here: node dist/cli.js [--size BYTES] [--batch N]
function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${name} needs a positive integer`);
    process.exit(1);
  }
  return n;
}

try {
  const report = await runNmfBench({
    messageSize: option("--size", 1024),
    batch: option("--batch", 1000),
  });
  for (const r of report.results) {
    if (r.ratio !== null && r.name !== "length-prefixed baseline") {
      const overhead = (1 - r.ratio) * 100;
      console.log(`${r.group}: framing costs ${overhead.toFixed(1)}% of the baseline's throughput`);
    }
  }
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
