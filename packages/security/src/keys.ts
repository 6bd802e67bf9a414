import { createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { type RsaPublicKeyParts, rsaPublicKeyToCapiBlob } from "./capi.js";
import { SecurityError } from "./errors.js";

/** Anything that names a certificate: PEM text, DER bytes or a parsed node:crypto certificate. */
export type CertificateInput = string | Uint8Array | X509Certificate;

/** Parses a certificate given as PEM, DER or an existing X509Certificate. */
export function toX509(cert: CertificateInput): X509Certificate {
  if (cert instanceof X509Certificate) return cert;
  try {
    return new X509Certificate(typeof cert === "string" ? cert : Buffer.from(cert));
  } catch (cause) {
    throw new SecurityError("malformed-certificate", "cannot parse X.509 certificate", { cause });
  }
}

/** The RSA modulus and exponent of a public key object. */
export function rsaPartsFromKeyObject(key: KeyObject): RsaPublicKeyParts {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== "rsa") {
    // PeerHashToken is defined over an RSA CSP blob only (WINDOWS-NOTES §1.6).
    throw new SecurityError(
      "unsupported-key",
      `PeerHashToken needs an RSA key, got ${pub.asymmetricKeyType ?? "unknown"}`,
    );
  }
  const jwk = pub.export({ format: "jwk" });
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string") {
    throw new SecurityError("unsupported-key", "RSA key has no modulus/exponent");
  }
  return {
    modulus: new Uint8Array(Buffer.from(jwk.n, "base64url")),
    exponent: new Uint8Array(Buffer.from(jwk.e, "base64url")),
  };
}

/** The RSA public key of a certificate. */
export function rsaPartsFromCertificate(cert: CertificateInput): RsaPublicKeyParts {
  return rsaPartsFromKeyObject(toX509(cert).publicKey);
}

/**
 * The CAPI PUBLICKEYBLOB of a certificate's RSA key: the "key bytes" of the
 * PeerHashToken (MC-PRCH §2.2.3.1.1 PUBLICKEY; WINDOWS-NOTES §1.6).
 */
export function capiBlobFromCertificate(cert: CertificateInput): Uint8Array {
  return rsaPublicKeyToCapiBlob(rsaPartsFromCertificate(cert));
}
