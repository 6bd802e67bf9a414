/**
 * The layering rule of prch: which workspace package may depend on which.
 * Dependencies point down the stack only; anything not listed is forbidden.
 * `@prch/node` is the top of the library stack; apps and tools may use anything.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "@prch/nbfs": [],
  "@prch/nmf": ["@prch/nbfs"],
  "@prch/soap": ["@prch/nbfs"],
  "@prch/security": ["@prch/soap", "@prch/nbfs"],
  "@prch/mesh-core": ["@prch/soap", "@prch/security", "@prch/nbfs"],
  "@prch/transport-node": ["@prch/nmf", "@prch/soap", "@prch/security", "@prch/nbfs"],
  "@prch/resolver-prcr": [
    "@prch/soap",
    "@prch/transport-node",
    "@prch/nmf",
    "@prch/nbfs",
    "@prch/security",
  ],
  "@prch/node": [
    "@prch/mesh-core",
    "@prch/transport-node",
    "@prch/resolver-prcr",
    "@prch/soap",
    "@prch/security",
    "@prch/nmf",
    "@prch/nbfs",
  ],
  // The ninth package (issue 12) sits on top of the facade.
  "@prch/collab": [
    "@prch/node",
    "@prch/mesh-core",
    "@prch/transport-node",
    "@prch/resolver-prcr",
    "@prch/soap",
    "@prch/security",
    "@prch/nmf",
    "@prch/nbfs",
  ],
};

/** Module specifiers of static and dynamic imports and re-exports in a source text. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** The package a specifier names: "@scope/x/sub" -> "@scope/x", "x/sub" -> "x"; null for relative and node: imports. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:")) return null;
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}
