import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

// The CLI bundles the engine from its TypeScript sources so `pnpm sim` needs no prior build of
// @prch/mesh-core.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", cli: "src/cli.ts" },
    {
      noExternal: ["@prch/mesh-core"],
      esbuildOptions(o) {
        o.conditions = ["@prch/source"];
      },
    },
  ),
);
