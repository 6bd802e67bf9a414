import { createPrivateKey, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { SecurityError } from "./errors.js";
import type { NodeIdentity } from "./identity.js";

/** Largest PKCS#12 file accepted (bytes); a real .pfx is a few KiB. */
export const MAX_PKCS12_SIZE = 1 << 20;

/**
 * Loads a PKCS#12 (.pfx/.p12) file, e.g. one exported from the Windows
 * certificate store, into a {@link NodeIdentity}.
 *
 * Parsing uses node-forge because it decrypts both the legacy PKCS#12
 * algorithms Windows has exported for years (pbeWithSHAAnd3-KeyTripleDES-CBC,
 * RC2-40) and the PBES2/AES ones of current Windows and OpenSSL 3; WebCrypto
 * (and so pkijs) has no 3DES or RC2. Only RSA keys are supported (the
 * PeerHashToken needs one anyway).
 */
export function loadPkcs12Identity(pfx: Uint8Array, password: string): NodeIdentity {
  if (pfx.length > MAX_PKCS12_SIZE) {
    throw new SecurityError("quota-exceeded", `PKCS#12 input larger than ${MAX_PKCS12_SIZE} bytes`);
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(pfx).toString("binary")));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    if (/MAC could not be verified|Invalid password|bad decrypt/i.test(msg)) {
      throw new SecurityError("bad-pkcs12-password", "PKCS#12 password is wrong", { cause });
    }
    throw new SecurityError("malformed-certificate", `cannot read PKCS#12: ${msg}`, { cause });
  }

  const keyPems: string[] = [];
  const certPems: string[] = [];
  try {
    for (const bagType of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
      for (const bag of p12.getBags({ bagType: bagType! })[bagType!] ?? []) {
        if (bag.key) keyPems.push(forge.pki.privateKeyToPem(bag.key));
      }
    }
    const certBag = forge.pki.oids.certBag!;
    for (const bag of p12.getBags({ bagType: certBag })[certBag] ?? []) {
      if (bag.cert) certPems.push(forge.pki.certificateToPem(bag.cert));
    }
  } catch (cause) {
    throw new SecurityError(
      "unsupported-key",
      "PKCS#12 holds a key or certificate forge cannot read",
      {
        cause,
      },
    );
  }
  if (keyPems.length === 0 || certPems.length === 0) {
    throw new SecurityError(
      "malformed-certificate",
      "PKCS#12 has no private key or no certificate",
    );
  }

  // The leaf is the certificate whose public key matches a private key; the
  // rest, in file order, is its chain.
  const certs = certPems.map((pem) => ({ pem, x: new X509Certificate(pem) }));
  for (const keyPem of keyPems) {
    const key = createPrivateKey(keyPem);
    const leafIndex = certs.findIndex((c) => c.x.checkPrivateKey(key));
    if (leafIndex >= 0) {
      return {
        certificatePem: certs[leafIndex]!.pem,
        privateKeyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
        chainPem: certs.filter((_, i) => i !== leafIndex).map((c) => c.pem),
      };
    }
  }
  throw new SecurityError("malformed-certificate", "no certificate in PKCS#12 matches its key");
}
