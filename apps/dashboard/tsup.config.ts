import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

export default defineConfig(
  packageBuild(
    { index: "src/index.ts", main: "src/main.ts", "node-worker": "src/node-worker.ts" },
    { banner: { js: "#!/usr/bin/env node" } },
  ),
);
