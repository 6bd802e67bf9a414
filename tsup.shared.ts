import type { Options } from "tsup";

/**
 * The one build recipe every published package uses: ESM only, declarations
 * next to the bundle, Node 20 as the floor. `entry` maps output names to
 * sources so command-line tools (bins) can sit beside the library entry.
 */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: { entry: { index: entry.index ?? "src/index.ts" } },
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...extra,
  };
}
