import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/**
 * Shared test settings. Workspace packages resolve through the
 * `@prch/source` export condition, so a package's tests run against the
 * TypeScript sources of the packages below it, never a stale build.
 */
export function packageTests(name: string, extra: UserWorkspaceConfig["test"] = {}) {
  return defineProject({
    resolve: { conditions: ["@prch/source", "import", "node", "default"] },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      environment: "node",
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...extra,
    },
  });
}
