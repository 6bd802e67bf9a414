import { defineConfig } from "tsup";

// The benchmark bundles the workspace packages from their TypeScript sources
// (the @prch/source condition), so it runs without a prior build.
export default defineConfig({
  entry: { "collab-bench": "bench/collab.bench.ts" },
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
