import { defineConfig } from "tsup";
import { packageBuild } from "../../../tsup.shared.js";

// @prch/* workspace packages are bundled in (from their sources) so
// `pnpm bench` runs without building them first.
export default defineConfig(
  packageBuild(
    { index: "src/index.ts", cli: "src/cli.ts" },
    {
      noExternal: [/^@prch\//],
      esbuildOptions(options) {
        options.conditions = ["@prch/source"];
      },
    },
  ),
);
