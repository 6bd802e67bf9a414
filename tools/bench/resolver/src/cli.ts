import { runResolverBench } from "./bench.js";

// Entry point of `pnpm bench` here: node dist/cli.js [--registrations N] [--connections N] [--depth N] [--redis URL]
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

const r = process.argv.indexOf("--redis");
try {
  await runResolverBench({
    registrations: option("--registrations", 10_000),
    connections: option("--connections", 4),
    depth: option("--depth", 8),
    latencyOps: option("--latency-ops", 1000),
    ...(r >= 0 && process.argv[r + 1] !== undefined ? { redisUrl: process.argv[r + 1] } : {}),
  });
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
