// Cross-checks the PeerHashToken against .NET APIs running on Mono
// (tools/interop/security). Skipped when mcs/mono are not installed.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { capiBlobFromCertificate, computePeerHashToken } from "../src/index.js";
import { fixturePem } from "./harness.js";

const toolDir = join(__dirname, "..", "..", "..", "tools", "interop", "security");
const exe = join(toolDir, "bin", "PeerTokenInterop.exe");

function hasMono(): boolean {
  try {
    execFileSync("mcs", ["--version"], { stdio: "ignore", timeout: 20_000 });
    execFileSync("mono", ["--version"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const PASSWORDS = [
  "mesh-password",
  "  padded\t\r\n",
  "",
  "пароль-密码-🔑",
  "\u0085x\u0085",
  "\uFEFFx",
  "\u3000wide\u2003",
];

describe.skipIf(!hasMono())("PeerHashToken agrees with .NET on Mono", () => {
  beforeAll(() => {
    mkdirSync(join(toolDir, "bin"), { recursive: true });
    execFileSync("mcs", [`-out:${exe}`, join(toolDir, "Program.cs")], { timeout: 120_000 });
  });

  it.each(["pw-alice", "pw-bob", "cert-node1"])("for %s", (name) => {
    const pem = fixturePem(name);
    const file = join(__dirname, "fixtures", `${name}.crt.pem`);
    const args = PASSWORDS.map((p) => Buffer.from(p, "utf8").toString("base64"));
    const out = execFileSync("mono", [exe, file, ...args], { encoding: "utf8", timeout: 60_000 })
      .trim()
      .split("\n");
    expect(out[0]).toBe(`BLOB ${Buffer.from(capiBlobFromCertificate(pem)).toString("hex")}`);
    expect(out.slice(1)).toEqual(
      PASSWORDS.map(
        (p, i) => `TOKEN ${args[i]} ${computePeerHashToken(p, capiBlobFromCertificate(pem))}`,
      ),
    );
  });
});
