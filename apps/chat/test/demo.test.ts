import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// The main demo (pnpm demo) as a user runs it, with stdout piped: it serves the dashboard over
// its nodes, prints its address, runs the chat lines, prints the summary and exits.
const dir = join(__dirname, "..");
const demo = join(dir, "dist", "demo.js");

beforeAll(() => {
  if (!existsSync(demo)) execFileSync("pnpm", ["exec", "tsup"], { cwd: dir, stdio: "ignore" });
});

function getJson(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("pnpm demo", () => {
  it("prints the dashboard's address, serves it, and exits 0 after a complete summary", async () => {
    const proc = spawn(process.execPath, [demo, "--nodes", "3", "--lines", "1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
    // The dashboard comes up before the nodes, so it answers while the demo runs.
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline && proc.exitCode === null) {
      url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url, out).toBeDefined();
    const state = await getJson(`${url}api/state`);
    expect(state.status).toBe(200);
    expect(JSON.parse(state.body).state.meshName).toBe("demo");
    expect(await exited).toBe(0);
    expect(out).toContain("every node received every other node's lines exactly once");
    // Not a terminal: no "stays up" wait.
    expect(out).not.toContain("press Ctrl-C");
  });
});
