import { defineConfig } from "tsup";
import { packageBuild } from "../../../tsup.shared.js";

// @prch/* workspace packages are bundled in so `pnpm bench:mesh` runs without
// building them first; the libp2p packages stay external (node_modules).
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", cli: "src/cli.ts", worker: "src/worker.ts" },
    { noExternal: [/^@prch\//] },
  ),
);
