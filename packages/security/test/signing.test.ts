import { createPublicKey, verify, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BASIC256,
  BASIC256_SHA256,
  binarySecurityTokenXml,
  CertificateValidator,
  canonicalSignedInfo,
  EXC_C14N,
  FLOOD_SIGNED_PARTS,
  type FloodParts,
  type FloodSignature,
  isSecurityError,
  type ReceivedFloodSignature,
  signatureXml,
  signFlood,
  verifyFlood,
} from "../src/index.js";
import { fixturePem } from "./harness.js";

const PEER = "http://schemas.microsoft.com/net/2006/05/peer";
const WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const enc = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const header = (name: string, id: string, text: string) =>
  enc(`<${name} xmlns="${PEER}" xmlns:u="${WSU}" u:Id="${id}">${text}</${name}>`);

function floodParts(body = "hello mesh"): FloodParts {
  return {
    PeerVia: { id: "_1", canonical: header("PeerVia", "_1", "net.p2p://chat/app") },
    FloodMessage: { id: "_2", canonical: header("FloodMessage", "_2", "PeerFlooder") },
    PeerTo: { id: "_3", canonical: header("PeerTo", "_3", "net.p2p://chat/app") },
    MessageID: {
      id: "_4",
      canonical: header("MessageID", "_4", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"),
    },
    Body: {
      id: "_5",
      canonical: enc(
        `<s:Body xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="${WSU}" u:Id="_5"><Chat xmlns="urn:app">${body}</Chat></s:Body>`,
      ),
    },
  };
}

const signerPem = fixturePem("cert-node1");
const signer = {
  certificatePem: signerPem.slice(0, signerPem.indexOf("-----END CERTIFICATE-----") + 26),
  privateKeyPem: readFileSync(join(__dirname, "fixtures", "cert-node1.key.pem"), "utf8"),
};
const NOW = new Date("2027-06-01T00:00:00Z");
const trustRoot = new CertificateValidator({ roots: [fixturePem("ca-root")] });

function received(sig: FloodSignature): ReceivedFloodSignature {
  return {
    signedInfo: sig.signedInfo,
    signatureMethod: sig.signatureMethod,
    references: sig.references,
    signatureValue: Buffer.from(sig.signatureValue).toString("base64"),
    certificate: sig.certificate,
  };
}

const policy = { required: true, validator: trustRoot, now: NOW } as const;

function code(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (isSecurityError(e)) return e.code;
    throw e;
  }
}

describe("flood message signing", () => {
  it("signs the four peer headers and the body; the signature value is the dedup key", () => {
    const parts = floodParts();
    const sig = signFlood(parts, signer);
    expect(sig.references.map((r) => r.uri)).toEqual(["#_1", "#_2", "#_3", "#_4", "#_5"]);
    const res = verifyFlood(parts, received(sig), policy);
    expect(res.signed).toBe(true);
    if (res.signed) {
      expect(Buffer.from(res.dedupKey).equals(Buffer.from(sig.signatureValue))).toBe(true);
      expect(res.signer.subject).toBe("CN=node1");
    }
    // independent check with node:crypto: RSA-SHA1 over the SignedInfo bytes
    const pub = createPublicKey(
      new X509Certificate(Buffer.from(sig.certificate)).publicKey.export({
        type: "spki",
        format: "pem",
      }),
    );
    expect(verify("sha1", sig.signedInfo, pub, sig.signatureValue)).toBe(true);
    expect(sig.signatureValue.length).toBe(256);
  });

  it("writes SignedInfo in exclusive-canonical form", () => {
    const xml = Buffer.from(
      canonicalSignedInfo(BASIC256, [
        {
          uri: "#_1",
          transforms: [EXC_C14N],
          digestMethod: BASIC256.digestMethod,
          digestValue: "AAAA",
        },
      ]),
    ).toString("utf8");
    expect(xml).toBe(
      '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">' +
        '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod>' +
        '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"></SignatureMethod>' +
        '<Reference URI="#_1"><Transforms><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform></Transforms>' +
        '<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></DigestMethod><DigestValue>AAAA</DigestValue></Reference>' +
        "</SignedInfo>",
    );
  });

  it("rejects any change to the body or to a signed header", () => {
    const sig = received(signFlood(floodParts(), signer));
    expect(code(() => verifyFlood(floodParts("hello mesh!"), sig, policy))).toBe(
      "signature-invalid",
    );
    for (const k of FLOOD_SIGNED_PARTS) {
      const parts = floodParts();
      const p = parts[k];
      const bytes = p.canonical.slice();
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
      const tampered = { ...parts, [k]: { id: p.id, canonical: bytes } } as FloodParts;
      expect(code(() => verifyFlood(tampered, sig, policy))).toBe("signature-invalid");
    }
  });

  it("rejects a tampered SignedInfo, signature value or reference list", () => {
    const parts = floodParts();
    const sig = received(signFlood(parts, signer));
    const si = sig.signedInfo.slice();
    si[20] = si[20]! ^ 0x01;
    expect(code(() => verifyFlood(parts, { ...sig, signedInfo: si }, policy))).toBe(
      "signature-invalid",
    );
    const value = Buffer.from(sig.signatureValue, "base64");
    value[0]! ^= 0x01;
    expect(
      code(() => verifyFlood(parts, { ...sig, signatureValue: value.toString("base64") }, policy)),
    ).toBe("signature-invalid");
    expect(code(() => verifyFlood(parts, { ...sig, signatureValue: "!!" }, policy))).toBe(
      "signature-invalid",
    );
    // dropping the Body reference leaves the body unsigned
    expect(
      code(() => verifyFlood(parts, { ...sig, references: sig.references.slice(0, 4) }, policy)),
    ).toBe("signature-invalid");
    // a reference to something we were not given
    const stray = { ...sig.references[0]!, uri: "#nope" };
    expect(
      code(() => verifyFlood(parts, { ...sig, references: [...sig.references, stray] }, policy)),
    ).toBe("signature-invalid");
    // an unsupported algorithm
    expect(
      code(() =>
        verifyFlood(
          parts,
          { ...sig, signatureMethod: "http://www.w3.org/2000/09/xmldsig#hmac-sha1" },
          policy,
        ),
      ),
    ).toBe("signature-invalid");
  });

  it("rejects an unsigned flood on a channel that requires signing, accepts it otherwise", () => {
    expect(code(() => verifyFlood(floodParts(), undefined, policy))).toBe("signature-missing");
    expect(verifyFlood(floodParts(), undefined, { required: false, now: NOW })).toEqual({
      signed: false,
    });
  });

  it("asks the application validator about the signer", () => {
    const parts = floodParts();
    const sig = received(signFlood(parts, signer));
    expect(
      code(() => verifyFlood(parts, sig, { required: true, now: NOW, validator: () => false })),
    ).toBe("rejected-by-application");
    expect(
      code(() => verifyFlood(parts, sig, { required: true, now: NOW, validator: () => true })),
    ).toBe("ok");
    const otherRoot = new CertificateValidator({ roots: [fixturePem("ca-other")] });
    expect(
      code(() => verifyFlood(parts, sig, { required: true, now: NOW, validator: otherRoot })),
    ).toBe("untrusted-certificate");
    expect(
      code(() =>
        verifyFlood(parts, sig, {
          required: true,
          now: new Date("2200-01-01"),
          validator: trustRoot,
        }),
      ),
    ).toBe("certificate-expired");
  });

  it("supports Basic256Sha256 and refuses a suite the policy does not allow", () => {
    const parts = floodParts();
    const sig = received(signFlood(parts, signer, BASIC256_SHA256));
    expect(code(() => verifyFlood(parts, sig, policy))).toBe("ok");
    expect(code(() => verifyFlood(parts, sig, { ...policy, suites: [BASIC256] }))).toBe(
      "signature-invalid",
    );
  });

  it("refuses to sign with a key that is not the certificate's, or with duplicate ids", () => {
    const wrong = {
      ...signer,
      privateKeyPem: readFileSync(join(__dirname, "fixtures", "pw-bob.key.pem"), "utf8"),
    };
    expect(code(() => signFlood(floodParts(), wrong))).toBe("invalid-argument");
    const parts = floodParts();
    expect(code(() => signFlood({ ...parts, PeerTo: { ...parts.PeerTo, id: "_1" } }, signer))).toBe(
      "invalid-argument",
    );
  });
});

describe("Security header rendering helpers", () => {
  it("embeds the signed SignedInfo verbatim and names the certificate token", () => {
    const sig = signFlood(floodParts(), signer);
    const xml = signatureXml(sig, "uuid-1");
    const si = Buffer.from(sig.signedInfo).toString("utf8");
    expect(
      xml.startsWith('<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo'),
    ).toBe(true);
    expect(xml).toContain(si);
    expect(xml).toContain(
      `<SignatureValue>${Buffer.from(sig.signatureValue).toString("base64")}</SignatureValue>`,
    );
    expect(xml).toContain('URI="#uuid-1"');
    const bst = binarySecurityTokenXml(sig, "uuid-1");
    const b64 = /Base64Binary">([^<]+)</.exec(bst)?.[1];
    expect(new X509Certificate(Buffer.from(b64 ?? "", "base64")).subject).toBe("CN=node1");
    expect(bst).toContain('u:Id="uuid-1"');
  });
});
