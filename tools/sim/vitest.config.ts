import { mergeConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.js";

// Vite applies `resolve.conditions` to the client environment only; tests run in the SSR
// environment, so the source condition is repeated there to test against the engine's sources.
export default mergeConfig(packageTests("sim", { testTimeout: 120_000 }), {
  ssr: { resolve: { conditions: ["@prch/source", "import", "node", "default"] } },
});
