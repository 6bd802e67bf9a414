import { defineConfig } from "tsup";
import { packageBuild } from "../../../tsup.shared.js";

// Workspace packages stay external and load from their builds (the root
// `pnpm bench:mesh` builds them first): bundling @prch/security would drag its
// CommonJS dependencies into this ESM bundle, where their require() fails.
export default defineConfig(
  packageBuild({ index: "src/index.ts", cli: "src/cli.ts", worker: "src/worker.ts" }),
);
