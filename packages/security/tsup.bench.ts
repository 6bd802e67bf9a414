import { defineConfig } from "tsup";

// The benchmark bundles everything (workspace packages from their TypeScript
// sources via the @prch/source condition), so it runs without a prior build.
export default defineConfig({
  entry: { "security-bench": "bench/security.bench.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "bench-dist",
  clean: true,
  noExternal: [/^@prch\//],
  esbuildOptions(options) {
    options.conditions = ["@prch/source"];
  },
});
