// Builds and runs the Mono tool of tools/interop/nbfs (test-only).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { NBFS_DICTIONARY } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
export const TOOL_DIR = resolve(here, "../../../tools/interop/nbfs");
export const EXE = join(TOOL_DIR, "bin", "NbfsInterop.exe");
/** The MC-NBFS static dictionary for the tool: line i holds the string of id 2 × i. */
export const DICTIONARY_FILE = join(TOOL_DIR, "bin", "nbfs-dictionary.txt");

/** True when mono and mcs both run. */
export function monoAvailable(): boolean {
  const ok = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
  return ok("mono", ["--version"]) && ok("mcs", ["--version"]);
}

/**
 * Compiles Program.cs into bin/ (unless the exe is newer) and writes the
 * dictionary file. Both are written under a temporary name and renamed, so
 * that test runs in parallel processes never see a half-written file.
 */
export function buildTool(): void {
  const src = join(TOOL_DIR, "Program.cs");
  mkdirSync(dirname(EXE), { recursive: true });
  if (!existsSync(EXE) || statSync(EXE).mtimeMs < statSync(src).mtimeMs) {
    const tmp = `${EXE}.${process.pid}.tmp`;
    const r = spawnSync(
      "mcs",
      ["-nologo", "-r:System.Runtime.Serialization", "-r:System.Xml", `-out:${tmp}`, src],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error(`mcs failed: ${r.stdout}${r.stderr}`);
    renameSync(tmp, EXE);
  }
  const lines: string[] = [];
  for (let i = 0; i < NBFS_DICTIONARY.size; i++) {
    lines.push(Buffer.from(NBFS_DICTIONARY.get(i * 2) ?? "", "utf8").toString("base64"));
  }
  const tmp = `${DICTIONARY_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${lines.join("\n")}\n`);
  renameSync(tmp, DICTIONARY_FILE);
}

/**
 * Runs the tool once over a batch (one Mono start for many documents) and
 * returns its output lines, one per document.
 */
export function runTool(
  mode: "ops" | "text" | "decode" | "session-text" | "session-decode",
  input: string,
  expected: number,
): string[] {
  const r = spawnSync("mono", [EXE, mode, DICTIONARY_FILE], {
    input,
    encoding: "utf8",
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`NbfsInterop ${mode} failed (${r.status}): ${r.stderr}`);
  // Each document prints exactly one line (possibly empty), so split, not filter.
  const all = r.stdout.endsWith("\n") ? r.stdout.slice(0, -1).split("\n") : r.stdout.split("\n");
  if (all.length !== expected) {
    throw new Error(`NbfsInterop ${mode}: ${all.length} lines for ${expected} documents`);
  }
  // A document .NET refuses (to write or to read) is a failure in itself.
  const failed = all.findIndex((line) => line.startsWith("ERROR"));
  if (failed >= 0) throw new Error(`NbfsInterop ${mode}, document ${failed}: ${all[failed]}`);
  return all;
}

export const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

export function fromHex(s: string): Uint8Array {
  const parts = s.trim() === "" ? [] : s.trim().split(" ");
  return Uint8Array.from(parts, (x) => Number.parseInt(x, 16));
}
