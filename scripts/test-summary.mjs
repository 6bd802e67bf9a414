// Sums the JSON reports vitest wrote in every workspace project into one line.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dirs = ["packages", "apps", "tools", "tools/bench"].flatMap((d) =>
  existsSync(join(root, d)) ? readdirSync(join(root, d)).map((e) => join(root, d, e)) : [],
);
/** The first line of a failure message; vitest's JSON keeps only a placeholder stack for a timeout. */
function firstLine(message) {
  const line = (message ?? "").split("\n")[0].slice(0, 200);
  return line.includes("STACK_TRACE_ERROR") ? "timed out (test or hook timeout)" : line;
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const failures = [];
for (const dir of dirs) {
  const file = join(dir, "test-artifacts", "vitest-results.json");
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (t.status !== "failed") continue;
      const took = typeof t.duration === "number" ? ` [${Math.round(t.duration)} ms]` : "";
      failures.push(
        `  FAIL ${dir.slice(root.length)} > ${t.fullName}${took}\n       ${firstLine(t.failureMessages?.[0])}`,
      );
    }
    // A file that failed to load reports no assertions, only a message.
    if ((suite.assertionResults ?? []).length === 0 && suite.status === "failed") {
      failures.push(`  FAIL ${suite.name.slice(root.length)}\n       ${firstLine(suite.message)}`);
    }
  }
  rows.push(
    `  ${dir.slice(root.length).padEnd(28)} ${String(r.numPassedTests).padStart(5)} passed  ${r.numFailedTests} failed  ${r.numPendingTests} skipped`,
  );
}
console.log(rows.join("\n"));
// Failing tests come last so that a truncated log still names them.
if (failures.length > 0) console.log(`failed tests:\n${failures.slice(0, 20).join("\n")}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
