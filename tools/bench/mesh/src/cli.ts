import { parseArgs } from "./args.js";
import { runMeshBench } from "./bench.js";

// Entry point of `pnpm bench:mesh`. libp2p leaves timers behind after stop(),
// so the process exits explicitly once the report is written.
try {
  await runMeshBench(parseArgs(process.argv.slice(2)));
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
