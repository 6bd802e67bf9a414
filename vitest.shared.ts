import { defineConfig, type ViteUserConfig } from "vitest/config";

type TestOptions = NonNullable<ViteUserConfig["test"]>;

/**
 * Shared test settings. Workspace packages resolve through the
 * `@prch/source` export condition, so a package's tests run against the
 * TypeScript sources of the packages below it, never a stale build.
 * Each run also writes a JSON report that `.ci/run` sums into one line.
 */
const CONDITIONS = ["@prch/source", "import", "node", "default"];

export function packageTests(name: string, extra: TestOptions = {}) {
  return defineConfig({
    resolve: { conditions: CONDITIONS },
    // Node-environment tests resolve through Vite's SSR resolver, which has its own conditions.
    ssr: { resolve: { conditions: CONDITIONS } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      environment: "node",
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ["default", ["json", { outputFile: "test-artifacts/vitest-results.json" }]],
      ...extra,
    },
  });
}
