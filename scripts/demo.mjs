// The main demo. Until the mesh demo exists, it shows what the built
// workspace holds: every package, what it exports, and its command-line tools.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("..", import.meta.url).pathname;
const pkgsDir = join(root, "packages");
console.log("prch: Peer Channel for Node.js\n");
for (const dir of readdirSync(pkgsDir).sort()) {
  const manifest = JSON.parse(readFileSync(join(pkgsDir, dir, "package.json"), "utf8"));
  const entry = join(pkgsDir, dir, "dist", "index.js");
  let exported = [];
  if (existsSync(entry)) exported = Object.keys(await import(pathToFileURL(entry).href)).sort();
  const bins = Object.keys(manifest.bin ?? {});
  console.log(`${manifest.name}@${manifest.version}`);
  console.log(`  ${manifest.description}`);
  console.log(
    `  exports: ${exported.length === 0 ? "(nothing yet)" : `${exported.length} names: ${exported.slice(0, 12).join(", ")}${exported.length > 12 ? ", …" : ""}`}`,
  );
  if (bins.length > 0) console.log(`  commands: ${bins.join(", ")}`);
  console.log();
}
