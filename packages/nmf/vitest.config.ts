import { mergeConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.js";

// Node-environment tests resolve imports through Vite's SSR resolver, which
// ignores the top-level resolve.conditions of the shared config; repeat the
// "@prch/source" condition there so @prch/nbfs resolves to its sources.
export default mergeConfig(packageTests("nmf"), {
  ssr: { resolve: { conditions: ["@prch/source", "import", "node", "default"] } },
});
