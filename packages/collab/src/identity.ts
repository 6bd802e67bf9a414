import { createPrivateKey, type KeyObject, sign, verify, X509Certificate } from "node:crypto";
import { readFile, writeFile, mkdir, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { createSelfSignedIdentity, type NodeIdentity, spkiPin } from "@prch/security";
import { CollabError } from "./errors.js";

/** Longest display name accepted, in UTF-16 code units. */
export const MAX_DISPLAY_NAME = 64;
/** Longest certificate PEM accepted from the network or a file, characters. */
export const MAX_CERTIFICATE_PEM = 8192;

/**
 * A person taking part in collaboration: a display name and a self-signed
 * X.509 identity whose key signs everything the person says.
 */
export interface Person {
  readonly displayName: string;
  readonly identity: NodeIdentity;
  /** SHA-256 SPKI pin of the certificate: the person's stable id. */
  readonly pin: string;
}

/** Someone else, as known from a contact card, an announcement or a signed message. */
export interface PeerRef {
  readonly displayName: string;
  readonly certificatePem: string;
  /** `tls://host:port` (or `tcp://`) addresses of the person's collaboration endpoint. */
  readonly endpoints: readonly string[];
  /** SHA-256 SPKI pin of `certificatePem`. */
  readonly pin: string;
  /** Issuer certificates (PEM, nearest first), for trust by CA chain; usually empty. */
  readonly chainPem?: readonly string[];
}

/** Checks a display name: 1–64 characters, no control characters. */
export function checkDisplayName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_DISPLAY_NAME) {
    throw new CollabError(
      "InvalidArgument",
      `display name must be 1–${MAX_DISPLAY_NAME} characters`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new CollabError("InvalidArgument", "display name contains control characters");
  }
  return name;
}

/**
 * Makes a new person with a fresh self-signed RSA-2048 certificate. The
 * display name is not put in the certificate (subject `CN={GUID}`, as
 * Windows' own peer identities): names are free text, carried signed next to it.
 */
export async function createPerson(displayName: string): Promise<Person> {
  checkDisplayName(displayName);
  const identity = await createSelfSignedIdentity();
  return personFromIdentity(displayName, identity);
}

/** Wraps an existing identity (e.g. one issued by a mesh CA) as a person. */
export function personFromIdentity(displayName: string, identity: NodeIdentity): Person {
  checkDisplayName(displayName);
  return { displayName, identity, pin: pinOf(identity.certificatePem) };
}

/** The SPKI pin of a certificate; throws a CollabError on garbage. */
export function pinOf(certificatePem: string): string {
  try {
    return spkiPin(certificatePem);
  } catch (e) {
    throw new CollabError("Malformed", "not a certificate", { cause: e });
  }
}

/** Saves a person (display name, certificate and unencrypted key) to a JSON file, mode 0600. */
export async function savePerson(person: Person, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const text = JSON.stringify(
    {
      displayName: person.displayName,
      certificatePem: person.identity.certificatePem,
      privateKeyPem: person.identity.privateKeyPem,
      chainPem: person.identity.chainPem,
    },
    null,
    2,
  );
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Loads a person saved by {@link savePerson}. */
export async function loadPerson(path: string): Promise<Person> {
  let raw: unknown;
  try {
    const text = await readFile(path, "utf8");
    if (text.length > 256 * 1024) throw new CollabError("QuotaExceeded", "identity file too large");
    raw = JSON.parse(text);
  } catch (e) {
    if (e instanceof CollabError) throw e;
    throw new CollabError("Storage", `cannot read ${path}`, { cause: e });
  }
  const o = raw as Record<string, unknown>;
  if (
    typeof o.certificatePem !== "string" ||
    typeof o.privateKeyPem !== "string" ||
    !Array.isArray(o.chainPem) ||
    !o.chainPem.every((c) => typeof c === "string")
  ) {
    throw new CollabError("Malformed", `${path} is not a saved person`);
  }
  try {
    createPrivateKey(o.privateKeyPem);
  } catch (e) {
    throw new CollabError("Malformed", `${path}: bad private key`, { cause: e });
  }
  return personFromIdentity(String(o.displayName), {
    certificatePem: o.certificatePem,
    privateKeyPem: o.privateKeyPem,
    chainPem: o.chainPem as string[],
  });
}

/**
 * Canonical JSON: object keys sorted, no whitespace. Only plain data (string,
 * finite number, boolean, null, arrays, plain objects) is allowed, so the
 * signer and the verifier always hash the same bytes.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > 16) throw new CollabError("Malformed", "document nested too deeply");
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new CollabError("Malformed", "non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(",")}]`;
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], depth + 1)}`).join(",")}}`;
  }
  throw new CollabError("Malformed", `cannot sign a ${typeof value}`);
}

// Parsing a PEM certificate costs far more than the RSA check itself; the same
// few senders repeat, so remember their keys (bounded, oldest dropped first).
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 512;

function publicKeyOf(certificatePem: string): KeyObject {
  const hit = keyCache.get(certificatePem);
  if (hit) return hit;
  const key = new X509Certificate(certificatePem).publicKey;
  if (keyCache.size >= KEY_CACHE_MAX) {
    const first = keyCache.keys().next();
    if (!first.done) keyCache.delete(first.value);
  }
  keyCache.set(certificatePem, key);
  return key;
}

/**
 * Signs `payload` (plain data) for the purpose `kind` with the person's key.
 * The kind is part of the signed bytes, so a signature made for one kind of
 * document (a contact card) cannot be replayed as another (an announcement).
 */
export function signDocument(privateKeyPem: string, kind: string, payload: unknown): string {
  const data = Buffer.from(`prch-collab/${kind}\n${canonicalJson(payload)}`, "utf8");
  return sign("sha256", data, createPrivateKey(privateKeyPem)).toString("base64");
}

/** Checks a {@link signDocument} signature against a certificate's key; never throws. */
export function verifyDocument(
  certificatePem: string,
  kind: string,
  payload: unknown,
  signatureB64: string,
): boolean {
  try {
    if (certificatePem.length > MAX_CERTIFICATE_PEM || signatureB64.length > 2048) return false;
    const data = Buffer.from(`prch-collab/${kind}\n${canonicalJson(payload)}`, "utf8");
    return verify("sha256", data, publicKeyOf(certificatePem), Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
}

// Parsed certificates (validity window and pin), by PEM text: announcements and
// messages repeat the same few certificates, and parsing costs ~0.5 ms each.
const certCache = new Map<string, { from: number; to: number; pin: string }>();

/** Checks that a certificate parses and is valid at `now`; returns its pin. */
export function checkCertificate(certificatePem: unknown, now: number): string {
  if (typeof certificatePem !== "string" || certificatePem.length > MAX_CERTIFICATE_PEM) {
    throw new CollabError("Malformed", "certificate missing or too large");
  }
  let entry = certCache.get(certificatePem);
  if (!entry) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificatePem);
    } catch (e) {
      throw new CollabError("Malformed", "not a certificate", { cause: e });
    }
    entry = {
      from: Date.parse(cert.validFrom),
      to: Date.parse(cert.validTo),
      pin: pinOf(certificatePem),
    };
    if (certCache.size >= KEY_CACHE_MAX) {
      const first = certCache.keys().next();
      if (!first.done) certCache.delete(first.value);
    }
    certCache.set(certificatePem, entry);
  }
  if (!(now >= entry.from && now <= entry.to)) {
    throw new CollabError("Expired", "certificate is not valid now");
  }
  return entry.pin;
}
