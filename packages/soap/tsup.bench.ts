import { defineConfig } from "tsup";

// The benchmark bundles everything (workspace packages from their TypeScript
// sources via the @prch/source condition), so it runs without a prior build.
export default defineConfig({
  entry: { "soap-bench": "bench/soap.bench.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "bench-dist",
  clean: true,
  noExternal: [/.*/],
  esbuildOptions(options) {
    options.conditions = ["@prch/source"];
  },
});
