// Builds and runs the Mono WCF resolver peer of tools/interop/resolver (test-only).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const TOOL_DIR = resolve(here, "../../../../tools/interop/resolver");
export const EXE = join(TOOL_DIR, "bin", "ResolverInterop.exe");

/** True when mono and mcs both run. */
export function monoAvailable(): boolean {
  const ok = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
  return ok("mono", ["--version"]) && ok("mcs", ["--version"]);
}

/** Compiles Program.cs into bin/ (skipped when the exe is newer than the source). */
export function buildTool(): void {
  const src = join(TOOL_DIR, "Program.cs");
  if (existsSync(EXE) && statSync(EXE).mtimeMs >= statSync(src).mtimeMs) return;
  mkdirSync(dirname(EXE), { recursive: true });
  const r = spawnSync(
    "mcs",
    ["-nologo", "-r:System.ServiceModel", "-r:System.Runtime.Serialization", `-out:${EXE}`, src],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`mcs failed: ${r.stdout}${r.stderr}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

/** A running Mono process whose stdout lines can be awaited. */
export class MonoProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  stderr = "";
  #cursor = 0;
  #wake: (() => void) | undefined;
  #done = false;

  private constructor(readonly child: ChildProcess) {
    let partial = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const p of parts) this.lines.push(p.replace(/\r$/, ""));
      this.#wake?.();
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((r) =>
      child.on("exit", (code) => {
        this.#done = true;
        this.#wake?.();
        r(code);
      }),
    );
  }

  static start(args: string[]): MonoProcess {
    return new MonoProcess(spawn("mono", [EXE, ...args], { stdio: ["pipe", "pipe", "pipe"] }));
  }

  /** Waits for the next stdout line starting with `prefix` (the test timeout bounds the wait). */
  async line(prefix: string): Promise<string> {
    for (;;) {
      while (this.#cursor < this.lines.length) {
        const l = this.lines[this.#cursor++]!;
        if (l.startsWith("ERROR")) throw new Error(`mono: ${l}\n${this.stderr}`);
        if (l.startsWith(prefix)) return l;
      }
      if (this.#done) {
        throw new Error(
          `mono exited before "${prefix}":\n${this.lines.join("\n")}\n${this.stderr}`,
        );
      }
      await new Promise<void>((r) => {
        this.#wake = r;
      });
      this.#wake = undefined;
    }
  }

  /** Ends a server by closing its stdin; kills it if it lingers. */
  async stop(): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
