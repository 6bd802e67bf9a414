import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { hex, toHex } from "./helpers.js";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
// Built into test-artifacts (git-ignored) so the test never races a real build of dist/.
const outDir = join(pkg, "test-artifacts", "cli-build");
const cli = join(outDir, "cli.js");

function run(args: string[], input: string | Uint8Array) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, cwd: pkg, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

const NBFS_HEX =
  "56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 99 06 61 63 74 69 6F 6E 01 56 0E 40 09 49 6E 76 65 6E 74 6F 72 79 81 01 01";
const NBFS_XML =
  '<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action s:mustUnderstand="1">action</a:Action></s:Header><s:Body><Inventory>0</Inventory></s:Body></s:Envelope>';

describe("prch-nbfs CLI", () => {
  beforeAll(() => {
    mkdirSync(outDir, { recursive: true });
    execFileSync(
      "pnpm",
      [
        "exec",
        "tsup",
        "src/cli.ts",
        "--no-config",
        "--format",
        "esm",
        "--target",
        "node20",
        "--out-dir",
        outDir,
        "--silent",
      ],
      { cwd: pkg, stdio: "pipe", timeout: 120_000 },
    );
  });

  it("decodes binary (default --nbfs) to XML text", () => {
    const r = run(["decode"], hex(NBFS_HEX));
    expect(r.status).toBe(0);
    expect(r.stdout.toString("utf8").trim()).toBe(NBFS_XML);
  });

  it("encodes XML text to the MC-NBFS §3 bytes", () => {
    const r = run(["encode", "--nbfs"], NBFS_XML.replace(/></g, ">\n  <"));
    expect(r.status).toBe(0);
    expect(toHex(new Uint8Array(r.stdout))).toBe(toHex(hex(NBFS_HEX)));
  });

  it("--nbfse prefixes a StringTable and decodes it back", () => {
    const enc = run(["encode", "--nbfse", "--hex"], NBFS_XML);
    expect(enc.status).toBe(0);
    const out = enc.stdout.toString("utf8").trim();
    // "Inventory" is not in the static dictionary, so it becomes session string 1.
    expect(out.startsWith("0a0949")).toBe(true);
    const dec = run(["decode", "--nbfse", "--hex"], out);
    expect(dec.stdout.toString("utf8").trim()).toBe(NBFS_XML);
  });

  it("--nbfx shows dictionary ids as strN", () => {
    const r = run(["decode", "--nbfx", "--hex"], "42 0E 01");
    expect(r.stdout.toString("utf8").trim()).toBe("<str14></str14>");
  });

  it("malformed input: one line on stderr with the offset, exit code 2", () => {
    const r = run(["decode", "--hex"], "56 02 0B");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^prch-nbfs: truncated at offset 3: .+\n$/);
    expect(r.stderr.split("\n").length).toBe(2);
    const t = run(["encode"], "<a><b></a>");
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/^prch-nbfs: invalid-xml at offset \d+/);
  });

  it("rejects unknown commands and options", () => {
    expect(run(["frobnicate"], "").status).toBe(64);
    expect(run(["decode", "--bogus"], "").status).toBe(64);
  });
});

describe("dumpRecords", () => {
  it("lists offsets, record names and meaning", async () => {
    const { dumpRecords } = await import("../src/index.js");
    const out = dumpRecords(
      hex("40 03 61 72 72 03 40 01 69 01 8D 02 01 00 00 00 02 00 00 00 98 01 78 01"),
    );
    const lines = out.split("\n").map((l) => l.replace(/ {2,}/g, "  "));
    expect(lines).toEqual([
      "0000  ShortElement  <arr> {}",
      "0005  Array  <i> {}",
      '000c  (Array item)  int32 "1"',
      "0010  (Array item)  </i>",
      "0010  (Array item)  <i> {}",
      '0010  (Array item)  int32 "2"',
      "0014  (Array item)  </i>",
      '0014  Chars8Text  string "x"',
      "0017  EndElement  </arr>",
    ]);
    expect(lines.at(-1)).toMatch(/EndElement +<\/arr>$/);
  });
});
