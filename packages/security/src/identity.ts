// @peculiar/x509 resolves its services through tsyringe, which needs the
// Reflect metadata API installed before the library loads.
import "reflect-metadata";
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  X509Certificate,
  webcrypto,
} from "node:crypto";
import * as x509 from "@peculiar/x509";
import { SecurityError } from "./errors.js";

/**
 * A node's TLS / signing identity: its certificate, private key and the
 * issuer certificates between it and a root (leaf excluded), all as PEM so
 * they go straight into `node:tls` options or files.
 */
export interface NodeIdentity {
  /** The leaf certificate, PEM. */
  readonly certificatePem: string;
  /** The leaf's private key, unencrypted PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** Issuer certificates, nearest first, PEM; empty for a self-signed identity. */
  readonly chainPem: readonly string[];
}

/** Options shared by all certificate-creating functions. */
export interface CertificateOptions {
  /** Subject distinguished name, e.g. `CN=node1`. Default depends on the function. */
  readonly subject?: string;
  /** Start of validity. Default: now minus 5 minutes (clock skew between peers). */
  readonly notBefore?: Date;
  /** End of validity. Default: notBefore + `validityDays`. */
  readonly notAfter?: Date;
  /** Days of validity when `notAfter` is not given. Default 365 (CAs: 3650). */
  readonly validityDays?: number;
  /** RSA modulus size. Default 2048 (what Windows uses). */
  readonly keyBits?: 2048 | 3072 | 4096;
}

const RSA_ALG = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
} as const;

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
let providerSet = false;
function ensureProvider(): void {
  if (!providerSet) {
    // @peculiar/x509 needs a WebCrypto; Node 20's own is enough.
    x509.cryptoProvider.set(crypto);
    providerSet = true;
  }
}

function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** PEM text ending in exactly one newline, so blocks can be concatenated. */
function pemWithNewline(pem: string): string {
  return `${pem.replace(/\r\n/g, "\n").trimEnd()}\n`;
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER
  if (bytes[0] === 0) bytes[0] = 0x01; // no leading zero octet
  return bytes.toString("hex");
}

function validity(
  opts: CertificateOptions,
  defaultDays: number,
): { notBefore: Date; notAfter: Date } {
  const notBefore = opts.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const days = opts.validityDays ?? defaultDays;
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + days * 86_400_000);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new SecurityError("invalid-argument", "notAfter must be later than notBefore");
  }
  return { notBefore, notAfter };
}

async function generateRsaKeys(bits: number): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ ...RSA_ALG, modulusLength: bits }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
}

async function exportPrivatePem(key: CryptoKey): Promise<string> {
  return toPem(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

async function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  const ko = createPrivateKey(privateKeyPem);
  if (ko.asymmetricKeyType !== "rsa") {
    throw new SecurityError("unsupported-key", "issuing certificates needs an RSA CA key");
  }
  const der = ko.export({ type: "pkcs8", format: "der" });
  return crypto.subtle.importKey("pkcs8", der, { name: RSA_ALG.name, hash: RSA_ALG.hash }, false, [
    "sign",
  ]);
}

async function importPublicKey(publicKeyPem: string): Promise<CryptoKey> {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return crypto.subtle.importKey("spki", der, { name: RSA_ALG.name, hash: RSA_ALG.hash }, true, [
    "verify",
  ]);
}

const NODE_KEY_USAGE = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
const CA_KEY_USAGE =
  x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

/** Windows' subject for a password-mesh certificate: `CN=` + a fresh GUID ("D" format, no braces). */
export function windowsPasswordMeshSubject(): string {
  // PeerSecurityManager.GetCertificate: "CN=" + Guid.NewGuid().ToString().
  return `CN=${randomUUID()}`;
}

/**
 * Creates a self-signed RSA node certificate, as Windows does for a password
 * mesh when the application supplies none (WINDOWS-NOTES §1.6). The default
 * subject is `CN={GUID}`. In password mode nobody validates it: only the
 * PeerHashToken binds it to the mesh password.
 */
export async function createSelfSignedIdentity(
  opts: CertificateOptions = {},
): Promise<NodeIdentity> {
  ensureProvider();
  const keys = await generateRsaKeys(opts.keyBits ?? 2048);
  const { notBefore, notAfter } = validity(opts, 365);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: opts.subject ?? windowsPasswordMeshSubject(),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(NODE_KEY_USAGE, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certificatePem: pemWithNewline(cert.toString("pem")),
    privateKeyPem: await exportPrivatePem(keys.privateKey),
    chainPem: [],
  };
}

/** Options for {@link createMeshCa}. */
export interface MeshCaOptions extends CertificateOptions {
  /** Sign the new CA with this CA instead of self-signing (an intermediate). */
  readonly issuer?: NodeIdentity;
  /** BasicConstraints pathLenConstraint; omitted = unlimited. */
  readonly pathLength?: number;
}

/**
 * Creates a mesh certification authority: a root (self-signed) or, with
 * `issuer`, an intermediate. In a serverless mesh any node can hold one and
 * certify the others; peers then trust the root in certificate mode.
 */
export async function createMeshCa(opts: MeshCaOptions = {}): Promise<NodeIdentity> {
  ensureProvider();
  const keys = await generateRsaKeys(opts.keyBits ?? 2048);
  const { notBefore, notAfter } = validity(opts, 3650);
  const subject = opts.subject ?? `CN=Peer mesh CA ${randomUUID()}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, opts.pathLength, true),
    new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  let cert: x509.X509Certificate;
  let chainPem: string[] = [];
  if (opts.issuer) {
    const issuerCert = new x509.X509Certificate(opts.issuer.certificatePem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject,
      issuer: issuerCert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: RSA_ALG,
      publicKey: keys.publicKey,
      signingKey: await importSigningKey(opts.issuer.privateKeyPem),
      extensions,
    });
    chainPem = [opts.issuer.certificatePem, ...opts.issuer.chainPem];
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: subject,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: RSA_ALG,
      extensions,
    });
  }
  return {
    certificatePem: pemWithNewline(cert.toString("pem")),
    privateKeyPem: await exportPrivatePem(keys.privateKey),
    chainPem,
  };
}

/** Options for {@link issueNodeCertificate}. */
export interface IssueOptions extends CertificateOptions {
  /**
   * Certify this existing public key (PEM, SPKI) instead of generating a new
   * key pair; the returned identity then has an empty `privateKeyPem`.
   */
  readonly publicKeyPem?: string;
}

/**
 * Issues a node certificate (TLS client + server, signing) from a mesh CA.
 * The default subject is `CN={GUID}`.
 */
export async function issueNodeCertificate(
  ca: NodeIdentity,
  opts: IssueOptions = {},
): Promise<NodeIdentity> {
  ensureProvider();
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const bc = caCert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) {
    throw new SecurityError("bad-key-usage", "issuer certificate is not a CA");
  }
  let publicKey: CryptoKey;
  let privateKeyPem = "";
  if (opts.publicKeyPem !== undefined) {
    publicKey = await importPublicKey(opts.publicKeyPem);
  } else {
    const keys = await generateRsaKeys(opts.keyBits ?? 2048);
    publicKey = keys.publicKey;
    privateKeyPem = await exportPrivatePem(keys.privateKey);
  }
  const { notBefore, notAfter } = validity(opts, 365);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: opts.subject ?? windowsPasswordMeshSubject(),
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: RSA_ALG,
    publicKey,
    signingKey: await importSigningKey(ca.privateKeyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(NODE_KEY_USAGE, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return {
    certificatePem: pemWithNewline(cert.toString("pem")),
    privateKeyPem,
    chainPem: [ca.certificatePem, ...ca.chainPem],
  };
}

/** Splits a PEM bundle into its `CERTIFICATE` blocks (other blocks are ignored). */
export function splitPemCertificates(pem: string): string[] {
  const re = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
  return (pem.match(re) ?? []).map((block) => `${block}\n`);
}

/**
 * Loads an identity from PEM text: `certificatesPem` holds the leaf first and
 * then any issuers; `privateKeyPem` may be PKCS#1, PKCS#8 or encrypted
 * PKCS#8 (give `passphrase`). Checks that the key belongs to the leaf.
 */
export function loadPemIdentity(
  certificatesPem: string,
  privateKeyPem: string,
  passphrase?: string,
): NodeIdentity {
  const certs = splitPemCertificates(certificatesPem);
  const leafPem = certs[0];
  if (leafPem === undefined) {
    throw new SecurityError("malformed-certificate", "no CERTIFICATE block in PEM input");
  }
  let key: KeyObject;
  let leaf: X509Certificate;
  try {
    key = createPrivateKey(
      passphrase === undefined ? privateKeyPem : { key: privateKeyPem, passphrase },
    );
    leaf = new X509Certificate(leafPem);
    for (const c of certs.slice(1)) new X509Certificate(c);
  } catch (cause) {
    throw new SecurityError("malformed-certificate", "cannot parse PEM certificate or key", {
      cause,
    });
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new SecurityError("invalid-argument", "private key does not match the certificate");
  }
  return {
    certificatePem: leafPem,
    privateKeyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
    chainPem: certs.slice(1),
  };
}

/** The `cert`/`key` pair for `node:tls`: the leaf followed by its chain, and the key. */
export function identityTlsCredentials(identity: NodeIdentity): { cert: string; key: string } {
  return {
    cert: [identity.certificatePem, ...identity.chainPem].join(""),
    key: identity.privateKeyPem,
  };
}
