import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import {
  CertificateValidator,
  capiBlobFromCertificate,
  computePeerHashToken,
  splitPemCertificates,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "prch-cert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe("prch-cert", () => {
  it("creates a CA, an intermediate and a node certificate that chains to the root", async () => {
    expect((await run("ca", "--out", join(dir, "root"), "--subject", "CN=cli root")).code).toBe(0);
    expect(
      (
        await run(
          "ca",
          "--out",
          join(dir, "sub"),
          "--issuer-cert",
          join(dir, "root.crt.pem"),
          "--issuer-key",
          join(dir, "root.key.pem"),
          "--path-length",
          "0",
        )
      ).code,
    ).toBe(0);
    const r = await run(
      "issue",
      "--ca-cert",
      join(dir, "sub.crt.pem"),
      "--ca-key",
      join(dir, "sub.key.pem"),
      "--out",
      join(dir, "n1"),
      "--subject",
      "CN=n1",
      "--days",
      "30",
    );
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`wrote ${join(dir, "n1.crt.pem")}`, `wrote ${join(dir, "n1.key.pem")}`]);
    expect(statSync(join(dir, "n1.key.pem")).mode & 0o777).toBe(0o600);
    const chain = splitPemCertificates(readFileSync(join(dir, "n1.crt.pem"), "utf8"));
    expect(chain).toHaveLength(3);
    const v = new CertificateValidator({
      roots: [readFileSync(join(dir, "root.crt.pem"), "utf8")],
    });
    expect(v.validate(chain, new Date()).map((c) => c.subject)).toEqual([
      "CN=n1",
      expect.stringMatching(/^CN=Peer mesh CA /),
      "CN=cli root",
    ]);
    const leaf = new X509Certificate(chain[0]!);
    const lifetime = new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime();
    expect(lifetime).toBe(30 * 86_400_000);
  });

  it("creates a self-signed CN={GUID} node and prints its token and pin", async () => {
    expect((await run("node", "--out", join(dir, "self"))).code).toBe(0);
    const pem = readFileSync(join(dir, "self.crt.pem"), "utf8");
    expect(new X509Certificate(pem).subject).toMatch(/^CN=[0-9a-f-]{36}$/);
    process.env.PRCH_TEST_PW = " mesh ";
    const t = await run(
      "token",
      "--cert",
      join(dir, "self.crt.pem"),
      "--password-env",
      "PRCH_TEST_PW",
    );
    expect(t.out).toEqual([computePeerHashToken("mesh", capiBlobFromCertificate(pem))]);
    const p = await run("pin", "--cert", join(dir, "self.crt.pem"));
    expect(p.out[0]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("refuses to overwrite, and reports usage errors with exit code 2", async () => {
    const again = await run("node", "--out", join(dir, "self"));
    expect(again.code).toBe(2);
    expect(again.err[0]).toContain("exists");
    expect((await run("issue", "--out", join(dir, "x"))).code).toBe(2);
    expect((await run("frobnicate")).code).toBe(2);
    expect((await run("node", "--bogus")).code).toBe(2);
    expect((await run("node", "--out", join(dir, "y"), "--days", "0")).code).toBe(2);
    expect((await run("--help")).code).toBe(0);
    expect((await run("pin", "--cert", join(dir, "missing.pem"))).code).toBe(1);
  });
});
