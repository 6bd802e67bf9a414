import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

// The CLI bundles the workspace packages it uses from their TypeScript sources, so `pnpm sim`
// needs no prior build of @prch/mesh-core or @prch/resolver-prcr.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", cli: "src/cli.ts" },
    {
      noExternal: [/^@prch\//],
      esbuildOptions(o) {
        o.conditions = ["@prch/source"];
      },
    },
  ),
);
