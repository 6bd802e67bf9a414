// Writes the standard scaffold files for a package that lacks them.
// Usage: node scripts/gen-package.mjs <dir> <name> "<description>" "<spec>" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, name, description, spec, ...deps] = process.argv.slice(2);
if (!dir || !name || !description || !spec) {
  console.error("usage: gen-package.mjs <dir> <name> <description> <spec> [deps...]");
  process.exit(2);
}
const short = name.replace("@prch/", "");
const put = (file, text) => {
  const path = join(dir, file);
  if (existsSync(path)) return;
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
};
const dependencies = Object.fromEntries(
  deps.map((d) => [d, d.startsWith("@prch/") ? "workspace:^" : "*"]),
);
put(
  "package.json",
  `${JSON.stringify(
    {
      name,
      version: "0.0.0",
      description,
      license: "MIT",
      type: "module",
      sideEffects: false,
      engines: { node: ">=20.19" },
      repository: { type: "git", url: "https://example.invalid/prch.git", directory: dir },
      keywords: ["wcf", "peer-channel", "net.tcp", short],
      exports: {
        ".": {
          "@prch/source": "./src/index.ts",
          types: "./dist/index.d.ts",
          import: "./dist/index.js",
        },
        "./package.json": "./package.json",
      },
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      files: ["dist", "README.md", "CHANGELOG.md"],
      publishConfig: { access: "public" },
      scripts: {
        build: "tsup",
        typecheck: "tsc -p tsconfig.json",
        lint: "biome check .",
        test: "vitest run --passWithNoTests",
      },
      dependencies,
    },
    null,
    2,
  )}\n`,
);
put(
  "tsconfig.json",
  `${JSON.stringify({ extends: "../../tsconfig.base.json", include: ["src", "test", "*.ts"] }, null, 2)}\n`,
);
put(
  "tsup.config.ts",
  `import { defineConfig } from "tsup";\nimport { packageBuild } from "../../tsup.shared.js";\n\nexport default defineConfig(packageBuild({ index: "src/index.ts" }));\n`,
);
put(
  "vitest.config.ts",
  `import { packageTests } from "../../vitest.shared.js";\n\nexport default packageTests("${short}");\n`,
);
put(
  "typedoc.json",
  `${JSON.stringify({ $schema: "https://typedoc.org/schema.json", extends: ["../../typedoc.base.json"], entryPoints: ["src/index.ts"] }, null, 2)}\n`,
);
put(
  "src/index.ts",
  `// ${name}: nothing is exported yet; see README.md for what this package will hold.\nexport {};\n`,
);
put(
  "README.md",
  `# ${name}\n\n${description}\n\nImplements: ${spec}.\n\nStatus: not implemented yet. The package exists so the workspace has its final shape; it exports nothing.\n`,
);
