import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchCase, runBench } from "@prch/bench";
import {
  BASIC256,
  BASIC256_SHA256,
  CertificateValidator,
  capiBlobFromCertificate,
  computePeerHashToken,
  type FloodParts,
  signFlood,
  splitPemCertificates,
  verifyFlood,
  verifyPeerHashToken,
} from "../src/index.js";

// What a node pays for security: the PeerHashToken (once per link, both
// sides), validating a peer's chain (once per link in certificate mode), and
// signing / verifying a flood (per message when signing is on — every node
// verifies every flood it receives).

const fixtures = join(import.meta.dirname, "..", "test", "fixtures");
const pem = (name: string) => readFileSync(join(fixtures, `${name}.crt.pem`), "utf8");
const alice = pem("pw-alice");
const blob = capiBlobFromCertificate(alice);
const token = computePeerHashToken("mesh-password", blob);

function nodeCryptoToken(): string {
  const pwd = Buffer.from("mesh-password", "utf16le");
  const inner = createHash("sha256").update(pwd).digest();
  return createHmac("sha256", pwd)
    .update(Buffer.concat([inner, blob]))
    .digest("base64");
}

const tokenCases: BenchCase[] = [
  { name: "compute (@noble/hashes)", run: () => computePeerHashToken("mesh-password", blob) },
  { name: "compute (node:crypto)", run: nodeCryptoToken },
  { name: "verify", run: () => verifyPeerHashToken(token, "mesh-password", blob) },
  { name: "CAPI blob from cert", run: () => capiBlobFromCertificate(alice) },
];

const validator = new CertificateValidator({ roots: [pem("ca-root")] });
const node1 = splitPemCertificates(pem("cert-node1"));
const node2 = splitPemCertificates(pem("cert-node2"));
const now = new Date("2027-06-01T00:00:00Z");
const validateCases: BenchCase[] = [
  { name: "root → leaf", run: () => validator.validate(node1, now) },
  { name: "root → intermediate → leaf", run: () => validator.validate(node2, now) },
];

const PEER = "http://schemas.microsoft.com/net/2006/05/peer";
const enc = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const header = (name: string, id: string, text: string) =>
  enc(`<${name} xmlns="${PEER}" u:Id="${id}">${text}</${name}>`);
const parts: FloodParts = {
  PeerVia: { id: "_1", canonical: header("PeerVia", "_1", "net.p2p://bench/") },
  FloodMessage: { id: "_2", canonical: header("FloodMessage", "_2", "PeerFlooder") },
  PeerTo: { id: "_3", canonical: header("PeerTo", "_3", "net.p2p://bench/") },
  MessageID: {
    id: "_4",
    canonical: header("MessageID", "_4", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"),
  },
  Body: { id: "_5", canonical: enc(`<s:Body u:Id="_5"><Say>${"x".repeat(1024)}</Say></s:Body>`) },
};
const signerPem = splitPemCertificates(pem("cert-node1"))[0]!;
const signer = {
  certificatePem: signerPem,
  privateKeyPem: readFileSync(join(fixtures, "cert-node1.key.pem"), "utf8"),
};
const floodBytes = Object.values(parts).reduce((n, p) => n + (p?.canonical?.length ?? 0), 0);

function signingCases(): BenchCase[] {
  return [BASIC256, BASIC256_SHA256].flatMap((suite) => {
    const sig = signFlood(parts, signer, suite);
    const received = {
      signedInfo: sig.signedInfo,
      signatureMethod: sig.signatureMethod,
      references: sig.references,
      signatureValue: Buffer.from(sig.signatureValue).toString("base64"),
      certificate: sig.certificate,
    };
    const policy = { required: true, now, validator };
    return [
      { name: `sign ${suite.name}`, bytes: floodBytes, run: () => signFlood(parts, signer, suite) },
      {
        name: `verify ${suite.name}`,
        bytes: floodBytes,
        run: () => verifyFlood(parts, received, policy),
      },
    ];
  });
}

await runBench(
  "security",
  [
    { title: "PeerHashToken", cases: tokenCases, reference: "compute (node:crypto)" },
    { title: "Certificate path validation", cases: validateCases },
    { title: "1 KB flood signature (RSA-2048, incl. signer validation)", cases: signingCases() },
  ],
  { jsonPath: "bench-results/security.json" },
);
