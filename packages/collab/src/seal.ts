import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  X509Certificate,
} from "node:crypto";
import { CollabError } from "./errors.js";

/** Name of the one sealing scheme: RSA-OAEP (SHA-256) wrapping an AES-256-GCM key. */
export const SEAL_ALGORITHM = "RSA-OAEP-256+A256GCM";
/** Largest plaintext that may be sealed or unsealed, bytes. */
export const MAX_SEALED_BYTES = 16384;

/** Data sealed to one recipient's certificate key. All binary fields are base64. */
export interface SealedBox {
  readonly alg: typeof SEAL_ALGORITHM;
  /** The AES key, RSA-OAEP-encrypted to the recipient. */
  readonly ek: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

/**
 * Seals `plaintext` so only the holder of `certificatePem`'s private key can
 * read it. `aad` is authenticated, not encrypted: bind the box to its context
 * (invitation id, sender, recipient) so it cannot be lifted into another one.
 */
export function sealTo(certificatePem: string, plaintext: Uint8Array, aad: string): SealedBox {
  if (plaintext.length > MAX_SEALED_BYTES) {
    throw new CollabError("QuotaExceeded", `cannot seal more than ${MAX_SEALED_BYTES} bytes`);
  }
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  let ek: Buffer;
  try {
    ek = publicEncrypt(
      {
        key: new X509Certificate(certificatePem).publicKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
      },
      key,
    );
  } catch (e) {
    throw new CollabError("InvalidArgument", "cannot seal to this certificate", { cause: e });
  }
  return {
    alg: SEAL_ALGORITHM,
    ek: ek.toString("base64"),
    iv: iv.toString("base64"),
    ct: ct.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

/** Opens a {@link SealedBox} with the recipient's private key; throws `BadSignature` when it was tampered with. */
export function openSealed(privateKeyPem: string, box: unknown, aad: string): Uint8Array {
  const b = box as Partial<Record<keyof SealedBox, unknown>> | null;
  if (
    !b ||
    typeof b !== "object" ||
    b.alg !== SEAL_ALGORITHM ||
    typeof b.ek !== "string" ||
    typeof b.iv !== "string" ||
    typeof b.ct !== "string" ||
    typeof b.tag !== "string" ||
    b.ek.length > 1024 ||
    b.ct.length > Math.ceil((MAX_SEALED_BYTES * 4) / 3) + 4
  ) {
    throw new CollabError("Malformed", "not a sealed box");
  }
  const iv = Buffer.from(b.iv, "base64");
  const tag = Buffer.from(b.tag, "base64");
  if (iv.length !== 12 || tag.length !== 16) throw new CollabError("Malformed", "bad iv or tag");
  try {
    const key = privateDecrypt(
      {
        key: createPrivateKey(privateKeyPem),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
      },
      Buffer.from(b.ek, "base64"),
    );
    if (key.length !== 32) throw new Error("wrapped key is not 32 bytes");
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return new Uint8Array(
      Buffer.concat([decipher.update(Buffer.from(b.ct, "base64")), decipher.final()]),
    );
  } catch (e) {
    throw new CollabError("BadSignature", "sealed box does not open with this key", { cause: e });
  }
}
