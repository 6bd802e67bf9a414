import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const dir = join(__dirname, "..");
const main = join(dir, "dist", "main.js");

/** Builds the CLI when the test runs outside turbo (which builds first). */
export function ensureBuilt(): void {
  if (!existsSync(main)) execFileSync("pnpm", ["exec", "tsup"], { cwd: dir, stdio: "ignore" });
}

/** One prch-chat process, driven through its stdin and read through stdout/stderr. */
export class Chat {
  readonly proc: ChildProcessWithoutNullStreams;
  out = "";
  err = "";
  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [main, ...args], { stdio: "pipe" });
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => (this.out += d));
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.err += d));
  }
  say(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }
  async waitFor(what: () => boolean, label: string, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end || this.proc.exitCode !== null) {
        throw new Error(`timed out waiting for ${label}\nstdout: ${this.out}\nstderr: ${this.err}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  /** Lines received so far (stdout). */
  get lines(): string[] {
    return this.out.split("\n").filter((l) => l.length > 0);
  }
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  kill(): void {
    this.proc.kill("SIGKILL");
  }
  finish(): Promise<number | null> {
    this.proc.stdin.end();
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) resolve(this.proc.exitCode);
      else this.proc.once("exit", (code) => resolve(code));
    });
  }
}

/** Polls until `cond` holds, failing with `label` after `ms`. */
export async function until(cond: () => boolean, label: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
