import { renderFigures, runFigures } from "./figures.js";
import { renderScenario, runScenario } from "./scenario.js";

const USAGE = `usage: sim <command> [options]
  run       join N nodes, probe delivery, crash a fraction, optionally partition, probe again
            --nodes N (1000) --churn F (0.3) --partition-ms MS (0) --probes K (10)
            --seed S (7) --loss P (0) --latency MIN,MAX (5,50)
  figures   10,000-node flood: the engine beside a naive flood-to-all baseline
            --nodes N (10000) --messages K (20) --seed S (2026)
            --warmup-ms MS (0): background traffic first, so maintenance prunes the mesh
  --resolver prcr|model   the real @prch/resolver-prcr client and service (default) or the small model
  --json    print JSON instead of a table`;

function parse(argv: string[]): { cmd: string | undefined; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  let cmd: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) {
        flags.set(a.slice(2), next);
        i++;
      } else flags.set(a.slice(2), "true");
    } else if (cmd === undefined) cmd = a;
  }
  return { cmd, flags };
}

function num(flags: Map<string, string>, k: string, d: number): number {
  const v = flags.get(k);
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${k} needs a number`);
  return n;
}

const replacer = (_: string, v: unknown) =>
  v instanceof Map ? Object.fromEntries(v) : typeof v === "bigint" ? String(v) : v;

async function main(): Promise<void> {
  const { cmd, flags } = parse(process.argv.slice(2));
  const json = flags.has("json");
  const latency = (flags.get("latency") ?? "5,50").split(",").map(Number) as [number, number];
  const resolver = flags.get("resolver") === "model" ? "model" : "prcr";
  if (cmd === "run") {
    const rep = await runScenario({
      nodes: num(flags, "nodes", 1000),
      churn: num(flags, "churn", 0.3),
      partitionMs: num(flags, "partition-ms", 0),
      probes: num(flags, "probes", 10),
      sim: {
        seed: num(flags, "seed", 7),
        lossRate: num(flags, "loss", 0),
        latencyMs: latency,
        resolver,
      },
    });
    console.log(json ? JSON.stringify(rep, replacer, 2) : renderScenario(rep));
  } else if (cmd === "figures") {
    const rep = await runFigures(
      num(flags, "nodes", 10_000),
      num(flags, "messages", 20),
      { seed: num(flags, "seed", 2026), latencyMs: latency, resolver },
      num(flags, "warmup-ms", 0),
    );
    console.log(json ? JSON.stringify(rep, replacer, 2) : renderFigures(rep));
  } else {
    console.log(USAGE);
    process.exitCode = cmd === undefined || cmd === "help" ? 0 : 2;
  }
}

await main();
