import { loadavg } from "node:os";
import { runNbfsBench, SAXES } from "./bench.js";

// Entry point of `pnpm bench` here: node dist/cli.js
// Prints the harness table, then each group's ratios against the issue's
// targets (decode ≥ 3× saxes on the text form; encode ≥ decode).
try {
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const report = await runNbfsBench();
  const groups = [...new Set(report.results.map((r) => r.group))];
  for (const g of groups) {
    const of = (name: string) =>
      report.results.find((r) => r.group === g && r.name === name)?.opsPerSec.median ?? Number.NaN;
    const saxes = of(SAXES);
    const decode = of("nbfs decode (nodes)");
    const values = of("nbfs decode + every value");
    const encode = of("nbfs encode");
    const pooled = of("nbfs encode, pooled writer");
    console.log(
      `${g}: decode ${(decode / saxes).toFixed(2)}× saxes (with values ${(values / saxes).toFixed(2)}×), ` +
        `encode ${(encode / decode).toFixed(2)}× decode (${(encode / values).toFixed(2)}× decode + values; ` +
        `pooled writer ${(pooled / decode).toFixed(2)}× decode)`,
    );
  }
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
