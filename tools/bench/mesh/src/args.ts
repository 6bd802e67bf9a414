import { DEFAULT_IMPLS } from "./registry.js";

/** What the command line asked for. */
export interface MeshArgs {
  readonly impls: readonly string[];
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly quick: boolean;
  readonly seed: number;
  readonly json: string;
  /** Run in the main thread instead of a worker (for `node --cpu-prof`); no watchdog. */
  readonly inThread: boolean;
  /** Unmeasured messages before the latency phase (default 0, the workload). */
  readonly warmup: number;
}

export const USAGE = `usage: bench-mesh [--impl floodsub,gossipsub,prch-none,prch-password] [--n 10,30]
                  [--runs 3] [--seed 1] [--quick] [--json bench-results/mesh.json] [--warmup 0] [--in-thread]
  --impl   implementations to run, one after another (default: all)
  --n      mesh sizes (default 10,30)
  --runs   runs per implementation and size; run k uses topology seed + k (default 3)
  --quick  small message counts for a smoke run (also PRCH_BENCH_QUICK=1)
  --json   where the JSON report goes
  --warmup N   send N unmeasured messages (at the latency interval) before the latency phase
  --in-thread  run in the main thread (for node --cpu-prof); no watchdog, so not for js-libp2p at full rate`;

function positiveInts(flag: string, v: string, min: number): number[] {
  const out = v.split(",").map((s) => Number(s.trim()));
  for (const x of out) {
    if (!Number.isInteger(x) || x < min)
      throw new Error(`${flag}: "${v}" is not a list of integers ≥ ${min}`);
  }
  return out;
}

/** Parses argv (without node and script); throws with a message on bad input. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): MeshArgs {
  let impls: readonly string[] = DEFAULT_IMPLS;
  let sizes: readonly number[] = [10, 30];
  let runs = 3;
  let seed = 1;
  let quick = env.PRCH_BENCH_QUICK === "1";
  let json = "bench-results/mesh.json";
  let inThread = false;
  let warmup = 0;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--quick") {
      quick = true;
      continue;
    }
    if (flag === "--in-thread") {
      inThread = true;
      continue;
    }
    if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    i++;
    switch (flag) {
      case "--impl":
        impls = value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        break;
      case "--n":
        sizes = positiveInts(flag, value, 2);
        break;
      case "--runs":
        runs = positiveInts(flag, value, 1)[0]!;
        break;
      case "--seed":
        seed = positiveInts(flag, value, 0)[0]!;
        break;
      case "--json":
        json = value;
        break;
      case "--warmup":
        warmup = positiveInts(flag, value, 0)[0]!;
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return { impls, sizes, runs, quick, seed, json, inThread, warmup };
}
