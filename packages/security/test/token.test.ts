import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUTHENTICATOR_LENGTH,
  CAPI_RSA_KEY_ALG,
  capiBlobFromCertificate,
  capiBlobToRsaPublicKey,
  computeAuthenticator,
  computePeerHashToken,
  constantTimeEqual,
  decodeBase64Strict,
  dotNetTrim,
  passwordBytes,
  rsaPartsFromCertificate,
  rsaPublicKeyToCapiBlob,
  SecurityError,
  verifyPeerHashToken,
} from "../src/index.js";
import { independentCapiBlob, independentToken } from "./independent.js";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
const alicePem = fixture("pw-alice.crt.pem");
const bobPem = fixture("pw-bob.crt.pem");

/**
 * Fixed vectors: [raw password, what .NET's Trim() leaves, alice token, bob token].
 * The tokens were produced by test/independent.ts (node:crypto) from the
 * committed fixtures and are pinned so any drift in either path shows.
 */
const VECTORS: ReadonlyArray<readonly [string, string, string, string]> = [
  [
    "mesh-password",
    "mesh-password",
    "Q8pIA1YZmrYC+iuzHOt4zcz7OOrgSbFiErHrhADbI0M=",
    "56W1iDmIcUuSxqc5xRszlCtS271Txz96BVoe5Tng/lU=",
  ],
  [
    "  mesh-password \t\r\n\u3000",
    "mesh-password",
    "Q8pIA1YZmrYC+iuzHOt4zcz7OOrgSbFiErHrhADbI0M=",
    "56W1iDmIcUuSxqc5xRszlCtS271Txz96BVoe5Tng/lU=",
  ],
  [
    "пароль-密码-🔑",
    "пароль-密码-🔑",
    "UNtcC9zvj2YnxwwcNaFMiWaUG0FuzVoPraz4Jad08jA=",
    "YjR2ZRZBi1pq0w9lICmaE+k3pBCkWDiet0enQJu4o64=",
  ],
  [
    "",
    "",
    "HY30nAZJ1/qgDcCh5ZO9Tsq6UEi1YSRy8N1JeTNduYQ=",
    "Lgg/reDVb9PLlbLyMccksa7nPkyVNskA4cd4hHO1jZ0=",
  ],
  [
    "   ",
    "",
    "HY30nAZJ1/qgDcCh5ZO9Tsq6UEi1YSRy8N1JeTNduYQ=",
    "Lgg/reDVb9PLlbLyMccksa7nPkyVNskA4cd4hHO1jZ0=",
  ],
  // .NET trims NEL (U+0085); JavaScript's trim() would keep it.
  [
    "\u0085x\u0085",
    "x",
    "y40wLAGcRpFI3ghh+oatWv1hCQvKV7ds4hSsVwYKZXI=",
    "o/nGZIx7fxhSZQasscshCUNZGDFyaBj0xiJK51f8SGk=",
  ],
  // .NET keeps a BOM (U+FEFF); JavaScript's trim() would strip it.
  [
    "\uFEFFx",
    "\uFEFFx",
    "mU/kVkW/BqXi6fGfdCWU3UK35yGUgvKDeLtP9ukyDJU=",
    "FTSXtze3yqROGNmPm+SL24suUOciUJpIM7L7KBFqYwY=",
  ],
];

describe("CAPI PUBLICKEYBLOB", () => {
  it("matches an independently built blob for the fixture certificates", () => {
    for (const pem of [alicePem, bobPem]) {
      const ours = capiBlobFromCertificate(pem);
      expect(Buffer.from(ours).equals(independentCapiBlob(pem))).toBe(true);
      expect(ours.length).toBe(20 + 256);
    }
  });

  it("has the documented header bytes", () => {
    const blob = capiBlobFromCertificate(alicePem);
    // bType 06, bVersion 02, reserved 0000, aiKeyAlg 0000A400 LE, "RSA1", bitlen 2048, e 65537
    expect(Buffer.from(blob.subarray(0, 20)).toString("hex")).toBe(
      "0602000000a40000525341310008000001000100",
    );
    expect(CAPI_RSA_KEY_ALG).toBe(0xa400);
  });

  it("stores the modulus little-endian", () => {
    const parts = rsaPartsFromCertificate(alicePem);
    const blob = capiBlobFromCertificate(alicePem);
    const n = parts.modulus[0] === 0 ? parts.modulus.subarray(1) : parts.modulus;
    expect(blob[20]).toBe(n[n.length - 1]);
    expect(blob[blob.length - 1]).toBe(n[0]);
  });

  it("round-trips arbitrary keys through encode/decode", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((a) => a.some((b) => b !== 0)),
        fc.integer({ min: 1, max: 0xffffffff }),
        (modulus, e) => {
          const exponent = Uint8Array.of(e >>> 24, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff);
          const blob = rsaPublicKeyToCapiBlob({ modulus, exponent });
          const back = capiBlobToRsaPublicKey(blob);
          let i = 0;
          while (modulus[i] === 0) i++;
          expect(Buffer.from(back.modulus).equals(Buffer.from(modulus.subarray(i)))).toBe(true);
          expect(Number.parseInt(Buffer.from(back.exponent).toString("hex"), 16)).toBe(e);
          expect(back.keyAlg).toBe(CAPI_RSA_KEY_ALG);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses exponents wider than a DWORD and malformed blobs", () => {
    expect(() =>
      rsaPublicKeyToCapiBlob({
        modulus: Uint8Array.of(1, 2),
        exponent: Uint8Array.of(1, 0, 0, 0, 1),
      }),
    ).toThrow(SecurityError);
    expect(() => capiBlobToRsaPublicKey(new Uint8Array(19))).toThrow(SecurityError);
    const blob = capiBlobFromCertificate(alicePem);
    expect(() => capiBlobToRsaPublicKey(blob.subarray(0, blob.length - 1))).toThrow(SecurityError);
    const bad = blob.slice();
    bad[8] = 0x00; // break the RSA1 magic
    expect(() => capiBlobToRsaPublicKey(bad)).toThrow(SecurityError);
  });
});

describe("PeerHashToken", () => {
  it.each(VECTORS)("vector %j", (raw, trimmed, aliceToken, bobToken) => {
    expect(dotNetTrim(raw)).toBe(trimmed);
    const aliceBlob = capiBlobFromCertificate(alicePem);
    const bobBlob = capiBlobFromCertificate(bobPem);
    expect(computePeerHashToken(raw, aliceBlob)).toBe(aliceToken);
    expect(computePeerHashToken(raw, bobBlob)).toBe(bobToken);
    // The second computation agrees, from the certificate up.
    expect(independentToken(trimmed, independentCapiBlob(alicePem))).toBe(aliceToken);
    expect(independentToken(trimmed, independentCapiBlob(bobPem))).toBe(bobToken);
    expect(verifyPeerHashToken(aliceToken, raw, aliceBlob)).toBe(true);
    expect(verifyPeerHashToken(aliceToken, raw, bobBlob)).toBe(false);
  });

  it("agrees with node:crypto for arbitrary passwords", () => {
    const blob = independentCapiBlob(alicePem);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (pw) => {
        // well-formed strings only: .NET replaces lone surrogates, node copies them
        fc.pre(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(pw));
        expect(computePeerHashToken(pw, blob)).toBe(independentToken(dotNetTrim(pw), blob));
      }),
      { numRuns: 200 },
    );
  });

  it("encodes lone surrogates as U+FFFD like Encoding.Unicode", () => {
    expect(Buffer.from(passwordBytes("a\uD800b")).toString("hex")).toBe("6100fdff6200");
    expect(Buffer.from(passwordBytes("\uDC00")).toString("hex")).toBe("fdff");
    expect(Buffer.from(passwordBytes("🔑")).toString("hex")).toBe(
      Buffer.from("🔑", "utf16le").toString("hex"),
    );
  });

  it("rejects wrong, truncated, padded and non-base64 tokens", () => {
    const blob = capiBlobFromCertificate(alicePem);
    const good = computeAuthenticator("pw", blob);
    expect(good.length).toBe(AUTHENTICATOR_LENGTH);
    const b64 = Buffer.from(good).toString("base64");
    expect(verifyPeerHashToken(b64, "pw", blob)).toBe(true);
    expect(verifyPeerHashToken(` ${b64}\r\n`, "pw", blob)).toBe(true);
    expect(verifyPeerHashToken(b64, "pw2", blob)).toBe(false);
    expect(
      verifyPeerHashToken(Buffer.from(good.subarray(0, 31)).toString("base64"), "pw", blob),
    ).toBe(false);
    expect(
      verifyPeerHashToken(Buffer.concat([good, Buffer.of(0)]).toString("base64"), "pw", blob),
    ).toBe(false);
    expect(verifyPeerHashToken(`${b64.slice(0, 10)}!${b64.slice(11)}`, "pw", blob)).toBe(false);
    expect(verifyPeerHashToken("A".repeat(10_000), "pw", blob)).toBe(false);
    expect(verifyPeerHashToken("", "pw", blob)).toBe(false);
  });

  it("compares in constant time semantics", () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
    expect(() => decodeBase64Strict("AAAA", 3)).toThrow(SecurityError);
  });
});
