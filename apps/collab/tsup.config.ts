import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.shared.js";

export default defineConfig(
  packageBuild({ main: "src/main.ts" }, { dts: false, banner: { js: "#!/usr/bin/env node" } }),
);
