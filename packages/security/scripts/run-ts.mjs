// Runs a TypeScript script of this package: bundles it with the esbuild that
// tsup ships (dependencies stay external) and imports the result.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const script = process.argv[2];
if (!script) throw new Error("usage: node scripts/run-ts.mjs <file.ts>");
const require = createRequire(import.meta.url);
const tsupDir = dirname(require.resolve("tsup/package.json", { paths: [resolve("../..")] }));
const esbuild = createRequire(join(tsupDir, "package.json"))("esbuild");
// Output next to the script so the package can import itself by name.
const out = resolve(dirname(script), `.run-ts-${Date.now()}.mjs`);
await esbuild.build({
  entryPoints: [script],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile: out,
  define: { "import.meta.dirname": JSON.stringify(resolve(dirname(script))) },
});
try {
  execFileSync(process.execPath, [out, ...process.argv.slice(3)], { stdio: "inherit" });
} finally {
  rmSync(out, { force: true });
}
