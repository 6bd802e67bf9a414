import {
  createHash,
  createPrivateKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type X509Certificate,
} from "node:crypto";
import { SecurityError } from "./errors.js";
import { type CertificateInput, toX509 } from "./keys.js";
import { constantTimeEqual, decodeBase64Strict } from "./token.js";
import type { CertificateValidator } from "./validator.js";

/** XML-DSig namespace (SignedInfo and friends). */
export const XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#";
/** Exclusive XML canonicalization, used for SignedInfo and every reference. */
export const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";

/** A signature/digest algorithm pair, named after WCF's SecurityAlgorithmSuite. */
export interface SignatureSuite {
  readonly name: string;
  readonly signatureMethod: string;
  readonly digestMethod: string;
  /** node:crypto hash name for both the digest and the RSA signature. */
  readonly hash: "sha1" | "sha256";
}

/**
 * WCF's default suite, Basic256: RSA-SHA1 signatures over SHA-1 digests.
 * `SecurityBindingElement.CreateCertificateSignatureBindingElement()` (what
 * PeerSecurityManager uses for flood signing) starts from the default suite.
 */
export const BASIC256: SignatureSuite = {
  name: "Basic256",
  signatureMethod: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
  digestMethod: "http://www.w3.org/2000/09/xmldsig#sha1",
  hash: "sha1",
};

/** Basic256Sha256: RSA-SHA256 over SHA-256 digests, for meshes that configure it. */
export const BASIC256_SHA256: SignatureSuite = {
  name: "Basic256Sha256",
  signatureMethod: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  digestMethod: "http://www.w3.org/2001/04/xmlenc#sha256",
  hash: "sha256",
};

const SUITES = [BASIC256, BASIC256_SHA256];

/**
 * The parts of a flood message Windows signs (PeerSecurityManager
 * ApplySigningRequirements: PeerVia, FloodMessage, PeerTo, MessageID, all in
 * the peer namespace) plus the body. PeerHopCount ("Hops") is never signed:
 * every relay rewrites it (MC-PRCH §3.2.4.1.1).
 */
export const FLOOD_SIGNED_PARTS = [
  "PeerVia",
  "FloodMessage",
  "PeerTo",
  "MessageID",
  "Body",
] as const;
/** One of {@link FLOOD_SIGNED_PARTS}. */
export type FloodSignedPart = (typeof FLOOD_SIGNED_PARTS)[number];

/**
 * One signed element as @prch/soap hands it over: its `wsu:Id` and the bytes
 * of its exclusive canonicalization (the element with that Id attribute).
 */
export interface CanonicalPart {
  readonly id: string;
  readonly canonical: Uint8Array;
}

/** The signed parts of one flood message; `extra` holds further referenced parts (e.g. wsu:Timestamp). */
export type FloodParts = { readonly [K in FloodSignedPart]: CanonicalPart } & {
  readonly extra?: readonly CanonicalPart[];
};

/** One ds:Reference. */
export interface SignatureReference {
  /** `#` + the wsu:Id of the referenced element. */
  readonly uri: string;
  /** Transform algorithms, in order. We emit and accept exactly [{@link EXC_C14N}]. */
  readonly transforms: readonly string[];
  readonly digestMethod: string;
  /** Base64 digest text. */
  readonly digestValue: string;
}

/** A computed flood signature, for @prch/soap to place in the wsse:Security header. */
export interface FloodSignature {
  /** The exclusive-canonical SignedInfo element; emit verbatim (it is already canonical). */
  readonly signedInfo: Uint8Array;
  readonly signatureMethod: string;
  readonly references: readonly SignatureReference[];
  /** Raw RSA signature bytes (ds:SignatureValue is their base64). */
  readonly signatureValue: Uint8Array;
  /** DER of the signing certificate (wsse:BinarySecurityToken, X509v3). */
  readonly certificate: Uint8Array;
  /** Duplicate-detection key: the signature value (PeerFlooder.IsNotSeenBefore). */
  readonly dedupKey: Uint8Array;
}

/** Limits on what a received signature may contain. */
export const SIGNATURE_QUOTAS = {
  /** ds:Reference elements per signature. */
  maxReferences: 16,
  /** Characters of base64 SignatureValue (16384-bit RSA is 2732). */
  maxSignatureValueText: 4096,
  /** Bytes of canonical SignedInfo. */
  maxSignedInfoBytes: 16_384,
} as const;

function escAttr(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/"/g, "&quot;")
    .replace(/\t/g, "&#x9;")
    .replace(/\n/g, "&#xA;")
    .replace(/\r/g, "&#xD;");
}

function escText(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r/g, "&#xD;");
}

/**
 * The exclusive-canonical form of a SignedInfo with the given references, in
 * the shape WCF writes (default-namespace ds elements, one exc-c14n transform
 * per reference). Canonical form means: explicit end tags, the xmlns
 * declaration on the apex element only, escaped attribute values.
 */
export function canonicalSignedInfo(
  suite: SignatureSuite,
  references: readonly SignatureReference[],
): Uint8Array {
  let x = `<SignedInfo xmlns="${XMLDSIG_NAMESPACE}">`;
  x += `<CanonicalizationMethod Algorithm="${EXC_C14N}"></CanonicalizationMethod>`;
  x += `<SignatureMethod Algorithm="${escAttr(suite.signatureMethod)}"></SignatureMethod>`;
  for (const r of references) {
    x += `<Reference URI="${escAttr(r.uri)}"><Transforms>`;
    for (const t of r.transforms) x += `<Transform Algorithm="${escAttr(t)}"></Transform>`;
    x += `</Transforms><DigestMethod Algorithm="${escAttr(r.digestMethod)}"></DigestMethod>`;
    x += `<DigestValue>${escText(r.digestValue)}</DigestValue></Reference>`;
  }
  x += "</SignedInfo>";
  return new Uint8Array(Buffer.from(x, "utf8"));
}

function digest(suite: SignatureSuite, bytes: Uint8Array): Buffer {
  return createHash(suite.hash).update(bytes).digest();
}

function allParts(parts: FloodParts): CanonicalPart[] {
  return [...FLOOD_SIGNED_PARTS.map((k) => parts[k]), ...(parts.extra ?? [])];
}

/** The signer: a certificate with an RSA key, and that key. */
export interface FloodSigner {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * Signs a flood message over its four peer headers and body (and any `extra`
 * parts), as WCF's certificate-signature binding does (MC-PRCH §3.2.4.1.1).
 */
export function signFlood(
  parts: FloodParts,
  signer: FloodSigner,
  suite: SignatureSuite = BASIC256,
): FloodSignature {
  const list = allParts(parts);
  const ids = new Set<string>();
  for (const p of list) {
    if (p.id.length === 0 || ids.has(p.id)) {
      throw new SecurityError(
        "invalid-argument",
        `signed parts need distinct non-empty ids (${p.id})`,
      );
    }
    ids.add(p.id);
  }
  const references: SignatureReference[] = list.map((p) => ({
    uri: `#${p.id}`,
    transforms: [EXC_C14N],
    digestMethod: suite.digestMethod,
    digestValue: digest(suite, p.canonical).toString("base64"),
  }));
  const signedInfo = canonicalSignedInfo(suite, references);
  const cert = toX509(signer.certificatePem);
  const key = createPrivateKey(signer.privateKeyPem);
  if (!cert.checkPrivateKey(key)) {
    throw new SecurityError(
      "invalid-argument",
      "signing key does not match the signing certificate",
    );
  }
  const signatureValue = new Uint8Array(cryptoSign(suite.hash, signedInfo, key));
  return {
    signedInfo,
    signatureMethod: suite.signatureMethod,
    references,
    signatureValue,
    certificate: new Uint8Array(cert.raw),
    dedupKey: signatureValue,
  };
}

/** A signature as @prch/soap reads it from a received wsse:Security header. */
export interface ReceivedFloodSignature {
  /** Exclusive canonicalization of the received ds:SignedInfo. */
  readonly signedInfo: Uint8Array;
  readonly signatureMethod: string;
  /** The ds:Reference elements parsed from that same SignedInfo. */
  readonly references: readonly SignatureReference[];
  /** ds:SignatureValue text (base64). */
  readonly signatureValue: string;
  /** The signer's certificate (from the wsse:BinarySecurityToken the signature's KeyInfo names). */
  readonly certificate: CertificateInput;
}

/** Receiver policy for flood signatures. */
export interface FloodSignaturePolicy {
  /** True when the channel requires signed floods (MC-PRCH §3.1.5.9.1.1 step 4). */
  readonly required: boolean;
  /**
   * Decides whether the signer is trusted: a {@link CertificateValidator}
   * (chain, pins, callback) or a plain function (WCF's
   * MessageSenderAuthentication validator). Required when `required`.
   */
  readonly validator?: CertificateValidator | ((signer: X509Certificate) => boolean);
  /** Accepted suites; default both Basic256 and Basic256Sha256. */
  readonly suites?: readonly SignatureSuite[];
  /** Time for certificate validity checks. */
  readonly now: Date;
}

/** Outcome of {@link verifyFlood}. */
export type FloodVerification =
  | { readonly signed: true; readonly signer: X509Certificate; readonly dedupKey: Uint8Array }
  /** Unsigned and allowed: deduplicate on the MessageID GUID instead. */
  | { readonly signed: false };

/**
 * Checks a received flood's signature. Throws {@link SecurityError}
 * (`signature-missing` / `signature-invalid` / certificate codes) when the
 * message must be dropped and the neighbor aborted (MC-PRCH §3.1.5.9.1.1).
 * On success the signature value is the duplicate-detection key.
 */
export function verifyFlood(
  parts: FloodParts,
  signature: ReceivedFloodSignature | undefined,
  policy: FloodSignaturePolicy,
): FloodVerification {
  if (signature === undefined) {
    if (policy.required)
      throw new SecurityError("signature-missing", "flood message is not signed");
    return { signed: false };
  }
  const bad = (why: string) => new SecurityError("signature-invalid", why);
  const suite = (policy.suites ?? SUITES).find(
    (s) => s.signatureMethod === signature.signatureMethod,
  );
  if (!suite) throw bad(`signature method ${signature.signatureMethod} not accepted`);
  if (signature.signedInfo.length > SIGNATURE_QUOTAS.maxSignedInfoBytes) {
    throw new SecurityError("quota-exceeded", "SignedInfo too large");
  }
  if (signature.references.length > SIGNATURE_QUOTAS.maxReferences) {
    throw new SecurityError("quota-exceeded", "too many signature references");
  }
  let sigBytes: Uint8Array;
  try {
    sigBytes = decodeBase64Strict(signature.signatureValue, SIGNATURE_QUOTAS.maxSignatureValueText);
  } catch (cause) {
    throw new SecurityError("signature-invalid", "SignatureValue is not valid base64", { cause });
  }

  // Every reference must resolve to a part we were given and digest to it;
  // every required part must be covered exactly once.
  const byId = new Map(allParts(parts).map((p) => [p.id, p]));
  const covered = new Set<string>();
  const signedInfoText = Buffer.from(signature.signedInfo).toString("utf8");
  for (const r of signature.references) {
    if (!r.uri.startsWith("#")) throw bad(`reference ${r.uri} is not a same-document reference`);
    const id = r.uri.slice(1);
    const part = byId.get(id);
    if (!part) throw bad(`reference ${r.uri} names no supplied part`);
    if (covered.has(id)) throw bad(`reference ${r.uri} appears twice`);
    covered.add(id);
    if (r.transforms.length !== 1 || r.transforms[0] !== EXC_C14N) {
      throw bad(`reference ${r.uri} uses unsupported transforms`);
    }
    if (r.digestMethod !== suite.digestMethod)
      throw bad(`reference ${r.uri} digest method mismatch`);
    let want: Uint8Array;
    try {
      want = decodeBase64Strict(r.digestValue, 128);
    } catch (cause) {
      throw new SecurityError("signature-invalid", `reference ${r.uri} digest is not base64`, {
        cause,
      });
    }
    if (!constantTimeEqual(want, digest(suite, part.canonical))) {
      throw bad(`signed part ${r.uri} was modified`);
    }
    // The parsed references must be the ones inside the signed bytes.
    if (!signedInfoText.includes(r.digestValue.trim())) {
      throw bad(`reference ${r.uri} is not part of the signed SignedInfo`);
    }
  }
  for (const k of FLOOD_SIGNED_PARTS) {
    if (!covered.has(parts[k].id)) throw bad(`${k} is not covered by the signature`);
  }

  const signer = toX509(signature.certificate);
  let ok = false;
  try {
    ok = cryptoVerify(suite.hash, signature.signedInfo, signer.publicKey, sigBytes);
  } catch {
    ok = false;
  }
  if (!ok) throw bad("signature value does not verify");

  const v = policy.validator;
  if (v === undefined) {
    if (policy.required) {
      throw new SecurityError("invalid-argument", "a signing policy needs a signer validator");
    }
  } else if (typeof v === "function") {
    if (!v(signer))
      throw new SecurityError("rejected-by-application", "signer refused by application");
  } else {
    v.validate([signer], policy.now);
  }
  return { signed: true, signer, dedupKey: sigBytes };
}

/** WS-Security 1.0 secext namespace (wsse). */
export const WSSE_NAMESPACE =
  "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/** WS-Security utility namespace (wsu:Id, wsu:Timestamp). */
export const WSU_NAMESPACE =
  "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/** ValueType of an X.509 v3 BinarySecurityToken. */
export const X509V3_TOKEN_TYPE =
  "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
/** EncodingType of a base64 BinarySecurityToken. */
export const BASE64_ENCODING_TYPE =
  "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/**
 * The `wsse:BinarySecurityToken` carrying the signer's certificate, as text
 * for @prch/soap to place in the `wsse:Security` header. WCF includes the
 * signer's token in every signed flood (AlwaysToRecipient). The exact prefix
 * choice is not significant; the shape is not yet confirmed by a capture.
 */
export function binarySecurityTokenXml(signature: FloodSignature, tokenId: string): string {
  return (
    `<o:BinarySecurityToken xmlns:o="${WSSE_NAMESPACE}" xmlns:u="${WSU_NAMESPACE}" ` +
    `u:Id="${escAttr(tokenId)}" ValueType="${X509V3_TOKEN_TYPE}" EncodingType="${BASE64_ENCODING_TYPE}">` +
    `${Buffer.from(signature.certificate).toString("base64")}</o:BinarySecurityToken>`
  );
}

/**
 * The `ds:Signature` element: the canonical SignedInfo verbatim, the
 * SignatureValue and a KeyInfo whose SecurityTokenReference points at the
 * BinarySecurityToken `tokenId`. Expected WCF shape, unconfirmed (README).
 */
export function signatureXml(signature: FloodSignature, tokenId: string): string {
  const signedInfo = Buffer.from(signature.signedInfo).toString("utf8");
  // The canonical SignedInfo declares the ds namespace itself; inside the
  // Signature element that declaration is redundant but harmless, and keeps
  // the bytes exactly those that were signed.
  return (
    `<Signature xmlns="${XMLDSIG_NAMESPACE}">${signedInfo}` +
    `<SignatureValue>${Buffer.from(signature.signatureValue).toString("base64")}</SignatureValue>` +
    `<KeyInfo><o:SecurityTokenReference xmlns:o="${WSSE_NAMESPACE}">` +
    `<o:Reference ValueType="${X509V3_TOKEN_TYPE}" URI="#${escAttr(tokenId)}"></o:Reference>` +
    "</o:SecurityTokenReference></KeyInfo></Signature>"
  );
}
