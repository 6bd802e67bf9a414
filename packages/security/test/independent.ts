// A second, independent computation of the PeerHashToken for the tests:
// node:crypto instead of @noble/hashes, a hand-written DER walk over the
// PKCS#1 key instead of JWK export, and a CAPI blob assembled with Buffer
// writes instead of DataView. Shares no code with src/.
import { createHash, createHmac, X509Certificate } from "node:crypto";

function derLength(b: Uint8Array, i: number): [number, number] {
  const first = b[i]!;
  if (first < 0x80) return [first, i + 1];
  let len = 0;
  for (let k = 0; k < (first & 0x7f); k++) len = len * 256 + b[i + 1 + k]!;
  return [len, i + 1 + (first & 0x7f)];
}

/** [modulus, exponent] of a PKCS#1 RSAPublicKey, leading zeros stripped. */
export function pkcs1Integers(der: Uint8Array): [Buffer, Buffer] {
  let i = 0;
  if (der[i++] !== 0x30) throw new Error("not a SEQUENCE");
  [, i] = derLength(der, i);
  const out: Buffer[] = [];
  for (let k = 0; k < 2; k++) {
    if (der[i++] !== 0x02) throw new Error("not an INTEGER");
    let len: number;
    [len, i] = derLength(der, i);
    let v = Buffer.from(der.subarray(i, i + len));
    i += len;
    while (v.length > 0 && v[0] === 0) v = v.subarray(1);
    out.push(v);
  }
  return [out[0]!, out[1]!];
}

export function independentCapiBlob(certPem: string): Buffer {
  const cert = new X509Certificate(certPem);
  const [n, e] = pkcs1Integers(cert.publicKey.export({ type: "pkcs1", format: "der" }));
  const header = Buffer.alloc(20);
  header[0] = 0x06; // PUBLICKEYBLOB
  header[1] = 0x02; // CUR_BLOB_VERSION
  header.writeUInt16LE(0, 2);
  header.writeUInt32LE(0xa400, 4); // CALG_RSA_KEYX
  header.write("RSA1", 8, "latin1");
  header.writeUInt32LE(n.length * 8, 12);
  header.writeUInt32LE(Number.parseInt(e.toString("hex"), 16), 16);
  return Buffer.concat([header, Buffer.from(n).reverse()]);
}

/** Token over an already-trimmed password (the caller states what .NET's Trim() leaves). */
export function independentToken(trimmedPassword: string, blob: Buffer): string {
  const pwd = Buffer.from(trimmedPassword, "utf16le");
  const inner = createHash("sha256").update(pwd).digest();
  return createHmac("sha256", pwd)
    .update(Buffer.concat([inner, blob]))
    .digest("base64");
}
