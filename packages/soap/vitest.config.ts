import { mergeConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.js";

// Vitest's node (SSR) environment ignores resolve.conditions; without this the
// workspace packages below would resolve to their (possibly stale) dist builds.
export default mergeConfig(packageTests("soap"), {
  ssr: { resolve: { conditions: ["@prch/source", "import", "node", "default"] } },
});
