import { defineConfig } from "tsup";
import { packageBuild } from "../../../tsup.shared.js";

// @prch/* workspace packages are bundled in (from their sources) so `pnpm bench` runs without
// building them first. node-redis stays external (it loses its named exports when bundled).
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", cli: "src/cli.ts" },
    {
      noExternal: [/^@prch\//],
      external: ["@redis/client"],
      esbuildOptions(options) {
        options.conditions = ["@prch/source"];
      },
    },
  ),
);
