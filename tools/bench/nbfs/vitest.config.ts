import { mergeConfig } from "vitest/config";
import { packageTests } from "../../../vitest.shared.js";

// Node-environment tests resolve through Vite's SSR resolver, which needs the
// "@prch/source" condition repeated to reach workspace sources.
export default mergeConfig(packageTests("bench-nbfs"), {
  ssr: { resolve: { conditions: ["@prch/source", "import", "node", "default"] } },
});
