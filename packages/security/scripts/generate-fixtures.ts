// Regenerates test/fixtures. Run once; the files are committed so token
// vectors stay stable. Usage (from packages/security):
//   node scripts/run-ts.mjs scripts/generate-fixtures.ts
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createMeshCa,
  createSelfSignedIdentity,
  issueNodeCertificate,
  type NodeIdentity,
} from "../src/index.js";

const dir = join(import.meta.dirname ?? ".", "..", "test", "fixtures");
mkdirSync(dir, { recursive: true });

const longFrom = new Date("2026-01-01T00:00:00Z");
const longTo = new Date("2125-12-31T00:00:00Z");

function save(name: string, id: NodeIdentity): void {
  writeFileSync(join(dir, `${name}.crt.pem`), [id.certificatePem, ...id.chainPem].join(""));
  if (id.privateKeyPem) writeFileSync(join(dir, `${name}.key.pem`), id.privateKeyPem);
}

const alice = await createSelfSignedIdentity({ notBefore: longFrom, notAfter: longTo });
const bob = await createSelfSignedIdentity({ notBefore: longFrom, notAfter: longTo });
const mallory = await createSelfSignedIdentity({ notBefore: longFrom, notAfter: longTo });
save("pw-alice", alice);
save("pw-bob", bob);
save("pw-mallory", mallory);

const root = await createMeshCa({
  subject: "CN=prch test root",
  notBefore: longFrom,
  notAfter: longTo,
});
const inter = await createMeshCa({
  subject: "CN=prch test intermediate",
  issuer: root,
  pathLength: 0,
  notBefore: longFrom,
  notAfter: longTo,
});
const other = await createMeshCa({
  subject: "CN=other root",
  notBefore: longFrom,
  notAfter: longTo,
});
save("ca-root", root);
save("ca-intermediate", { ...inter, chainPem: [] });
save("ca-other", other);
save(
  "cert-node1",
  await issueNodeCertificate(root, { subject: "CN=node1", notBefore: longFrom, notAfter: longTo }),
);
save(
  "cert-node2",
  await issueNodeCertificate(inter, { subject: "CN=node2", notBefore: longFrom, notAfter: longTo }),
);
save(
  "cert-expired",
  await issueNodeCertificate(root, {
    subject: "CN=expired",
    notBefore: new Date("2019-01-01T00:00:00Z"),
    notAfter: new Date("2020-01-01T00:00:00Z"),
  }),
);
save(
  "cert-wrongca",
  await issueNodeCertificate(other, {
    subject: "CN=wrongca",
    notBefore: longFrom,
    notAfter: longTo,
  }),
);
save(
  "cert-selfsigned",
  await createSelfSignedIdentity({ subject: "CN=stranger", notBefore: longFrom, notAfter: longTo }),
);

// PKCS#12 of alice: OpenSSL 3 default (PBES2 AES-256, HMAC-SHA256 MAC) and a
// 3DES/SHA-1 variant like older Windows exports.
const crt = join(dir, "pw-alice.crt.pem");
const key = join(dir, "pw-alice.key.pem");
execFileSync("openssl", [
  "pkcs12",
  "-export",
  "-in",
  crt,
  "-inkey",
  key,
  "-out",
  join(dir, "alice-aes.p12"),
  "-passout",
  "pass:fixture-pw",
]);
execFileSync("openssl", [
  "pkcs12",
  "-export",
  "-in",
  crt,
  "-inkey",
  key,
  "-out",
  join(dir, "alice-3des.p12"),
  "-passout",
  "pass:fixture-pw",
  "-keypbe",
  "PBE-SHA1-3DES",
  "-certpbe",
  "PBE-SHA1-3DES",
  "-macalg",
  "sha1",
]);
// Bob as 3DES PKCS#12 too: Mono's SslStream in the interop test loads it.
execFileSync("openssl", [
  "pkcs12",
  "-export",
  "-in",
  join(dir, "pw-bob.crt.pem"),
  "-inkey",
  join(dir, "pw-bob.key.pem"),
  "-out",
  join(dir, "bob-3des.p12"),
  "-passout",
  "pass:fixture-pw",
  "-keypbe",
  "PBE-SHA1-3DES",
  "-certpbe",
  "PBE-SHA1-3DES",
  "-macalg",
  "sha1",
]);
console.log(`fixtures written to ${dir}`);
