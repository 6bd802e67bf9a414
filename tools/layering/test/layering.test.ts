import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ALLOWED, importsOf, packageOf } from "../src/rules.js";

const root = resolve(__dirname, "../../..");
const pkgDir = join(root, "packages");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(e)) out.push(p);
  }
  return out;
}

const packages = readdirSync(pkgDir).map((d) => {
  const manifest = JSON.parse(readFileSync(join(pkgDir, d, "package.json"), "utf8")) as Manifest;
  return { dir: join(pkgDir, d), manifest };
});

describe("helpers", () => {
  it("finds every import form", () => {
    const src = `import a from "x";\nimport { b } from '@s/y/sub';\nexport * from "./z.js";\nconst c = await import("w");\nimport "side";\nimport type { T } from "@t/u";`;
    expect(importsOf(src)).toEqual(["x", "@s/y/sub", "./z.js", "w", "side", "@t/u"]);
    expect(packageOf("@s/y/sub")).toBe("@s/y");
    expect(packageOf("lodash/fp")).toBe("lodash");
    expect(packageOf("./z.js")).toBeNull();
    expect(packageOf("node:fs")).toBeNull();
  });
});

describe("the workspace's packages", () => {
  it("are exactly the eight designed ones (plus later additions listed in the rule)", () => {
    for (const p of packages) expect(Object.keys(ALLOWED)).toContain(p.manifest.name);
  });

  for (const { dir, manifest } of packages) {
    describe(manifest.name, () => {
      const allowed = new Set(ALLOWED[manifest.name] ?? []);
      it("declares only workspace dependencies that sit below it", () => {
        const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
        const upward = declared.filter((d) => d.startsWith("@prch/") && !allowed.has(d));
        expect(upward).toEqual([]);
      });
      it("imports only what it declares, and nothing above it", () => {
        const declared = new Set(
          Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }),
        );
        const bad: string[] = [];
        for (const f of sourceFiles(join(dir, "src"))) {
          for (const spec of importsOf(readFileSync(f, "utf8"))) {
            const pkg = packageOf(spec);
            if (pkg === null) continue;
            if (
              pkg.startsWith("@prch/")
                ? !allowed.has(pkg) || !declared.has(pkg)
                : !declared.has(pkg)
            ) {
              bad.push(`${f.slice(root.length + 1)} imports ${spec}`);
            }
          }
        }
        expect(bad).toEqual([]);
      });
      it("has the publishing fields every package needs", () => {
        const m = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
        expect(m.sideEffects).toBe(false);
        expect(m.engines?.node).toBeTruthy();
        expect(m.files).toContain("dist");
        expect(m.exports?.["."]?.types).toBe("./dist/index.d.ts");
        expect(m.publishConfig?.access).toBe("public");
        expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/MC-[A-Z]+/);
      });
    });
  }
});
