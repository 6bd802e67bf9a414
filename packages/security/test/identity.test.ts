import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CertificateValidator,
  createMeshCa,
  createSelfSignedIdentity,
  identityTlsCredentials,
  isSecurityError,
  issueNodeCertificate,
  loadPemIdentity,
  loadPkcs12Identity,
  SecurityError,
} from "../src/index.js";
import { fixturePem } from "./harness.js";

const GUID_CN = /^CN=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("X.509 identities", () => {
  it("creates a self-signed RSA-2048 node certificate named CN={GUID}", async () => {
    const id = await createSelfSignedIdentity();
    const cert = new X509Certificate(id.certificatePem);
    expect(cert.subject).toMatch(GUID_CN);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.checkPrivateKey(createPrivateKey(id.privateKeyPem))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(id.chainPem).toEqual([]);
    const other = await createSelfSignedIdentity();
    expect(new X509Certificate(other.certificatePem).subject).not.toBe(cert.subject);
  });

  it("builds a CA hierarchy whose node certificates validate to the root", async () => {
    const root = await createMeshCa({ subject: "CN=mesh root" });
    const sub = await createMeshCa({ subject: "CN=mesh sub", issuer: root, pathLength: 0 });
    const node = await issueNodeCertificate(sub, { subject: "CN=member" });
    expect(new X509Certificate(root.certificatePem).ca).toBe(true);
    expect(node.chainPem).toEqual([sub.certificatePem, root.certificatePem]);
    const v = new CertificateValidator({ roots: [root.certificatePem] });
    const path = v.validate([node.certificatePem, ...node.chainPem], new Date());
    expect(path.map((c) => c.subject)).toEqual(["CN=member", "CN=mesh sub", "CN=mesh root"]);
    // a certificate issued below a pathLength-0 intermediate by a further CA is refused
    const tooDeep = await createMeshCa({ subject: "CN=too deep", issuer: sub });
    const leaf = await issueNodeCertificate(tooDeep, { subject: "CN=leaf" });
    expect(() => v.validate([leaf.certificatePem, ...leaf.chainPem], new Date())).toThrow(
      SecurityError,
    );
    // and TLS credentials carry the whole chain
    expect(identityTlsCredentials(node).cert).toBe(
      node.certificatePem + sub.certificatePem + root.certificatePem,
    );
  });

  it("certifies an existing public key without seeing its private key", async () => {
    const ca = await createMeshCa();
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const issued = await issueNodeCertificate(ca, {
      subject: "CN=external",
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
    expect(issued.privateKeyPem).toBe("");
    expect(new X509Certificate(issued.certificatePem).checkPrivateKey(privateKey)).toBe(true);
  });

  it("refuses to issue from a non-CA and rejects bad validity", async () => {
    const leaf = await createSelfSignedIdentity();
    await expect(issueNodeCertificate(leaf)).rejects.toSatisfy((e) =>
      isSecurityError(e, "bad-key-usage"),
    );
    await expect(
      createSelfSignedIdentity({ notBefore: new Date(2030, 0, 1), notAfter: new Date(2029, 0, 1) }),
    ).rejects.toSatisfy((e) => isSecurityError(e, "invalid-argument"));
  });

  it("loads PEM identities and checks that key and certificate belong together", () => {
    const id = loadPemIdentity(
      fixturePem("cert-node2"),
      readFileSync(join(__dirname, "fixtures", "cert-node2.key.pem"), "utf8"),
    );
    expect(new X509Certificate(id.certificatePem).subject).toBe("CN=node2");
    expect(id.chainPem).toHaveLength(2); // intermediate, then root
    const wrongKey = readFileSync(join(__dirname, "fixtures", "pw-bob.key.pem"), "utf8");
    expect(() => loadPemIdentity(fixturePem("pw-alice"), wrongKey)).toThrow(SecurityError);
    expect(() => loadPemIdentity("no pem here", wrongKey)).toThrow(SecurityError);
  });

  it("loads encrypted PKCS#8 keys with a passphrase", () => {
    const key = createPrivateKey(
      readFileSync(join(__dirname, "fixtures", "pw-alice.key.pem"), "utf8"),
    );
    const enc = key
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "kp" })
      .toString();
    const id = loadPemIdentity(fixturePem("pw-alice"), enc, "kp");
    expect(id.privateKeyPem).toContain("BEGIN PRIVATE KEY");
    expect(() => loadPemIdentity(fixturePem("pw-alice"), enc, "wrong")).toThrow(SecurityError);
  });
});

describe("PKCS#12", () => {
  const alice = fixturePem("pw-alice");
  it.each(["alice-aes.p12", "alice-3des.p12"])(
    "loads %s (OpenSSL 3 default and legacy 3DES)",
    (file) => {
      const id = loadPkcs12Identity(readFileSync(join(__dirname, "fixtures", file)), "fixture-pw");
      expect(new X509Certificate(id.certificatePem).fingerprint256).toBe(
        new X509Certificate(alice).fingerprint256,
      );
      expect(
        new X509Certificate(id.certificatePem).checkPrivateKey(createPrivateKey(id.privateKeyPem)),
      ).toBe(true);
    },
  );

  it("reports a wrong password and garbage distinctly", () => {
    const pfx = readFileSync(join(__dirname, "fixtures", "alice-aes.p12"));
    expect(() => loadPkcs12Identity(pfx, "nope")).toThrow(
      expect.objectContaining({ code: "bad-pkcs12-password" }),
    );
    expect(() => loadPkcs12Identity(Buffer.from("not a pfx"), "x")).toThrow(SecurityError);
    expect(() => loadPkcs12Identity(new Uint8Array(2 << 20), "x")).toThrow(
      expect.objectContaining({ code: "quota-exceeded" }),
    );
  });
});
