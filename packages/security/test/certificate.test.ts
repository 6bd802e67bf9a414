import { X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  authorizePeerCertificate,
  CertificateValidator,
  isSecurityError,
  type PeerSecurity,
  peerCertificateChain,
  peerTlsClientOptions,
  peerTlsServerOptions,
  SecurityError,
  spkiPin,
  splitPemCertificates,
} from "../src/index.js";
import { fixtureIdentity, fixturePem, isLink, type Link, openLink } from "./harness.js";

const root = fixturePem("ca-root");
const otherRoot = fixturePem("ca-other");
const NOW = new Date("2027-06-01T00:00:00Z");

const chainOf = (name: string) => splitPemCertificates(fixturePem(name));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSecurityError(e)) return e.code;
    throw e;
  }
  return "ok";
}

describe("CertificateValidator", () => {
  const v = new CertificateValidator({ roots: [root] });

  it("accepts a node issued by the root, directly and through an intermediate", () => {
    const p1 = v.validate(chainOf("cert-node1"), NOW);
    expect(p1.map((c) => c.subject)).toEqual(["CN=node1", "CN=prch test root"]);
    const p2 = v.validate(chainOf("cert-node2"), NOW);
    expect(p2.map((c) => c.subject)).toEqual([
      "CN=node2",
      "CN=prch test intermediate",
      "CN=prch test root",
    ]);
  });

  it("refuses untrusted, wrong-CA, expired and incomplete chains", () => {
    expect(codeOf(() => v.validate(chainOf("cert-selfsigned"), NOW))).toBe("untrusted-certificate");
    expect(codeOf(() => v.validate(chainOf("cert-wrongca"), NOW))).toBe("untrusted-certificate");
    expect(codeOf(() => v.validate(chainOf("cert-expired"), NOW))).toBe("certificate-expired");
    // node2 without its intermediate cannot reach the root
    expect(codeOf(() => v.validate(chainOf("cert-node2").slice(0, 1), NOW))).toBe(
      "untrusted-certificate",
    );
    expect(codeOf(() => v.validate([], NOW))).toBe("no-peer-certificate");
  });

  it("checks validity at the injected time, for every certificate of the path", () => {
    // In 2019 the expired leaf was valid, but the root (from 2026) was not yet.
    expect(
      codeOf(() => v.validate(chainOf("cert-expired"), new Date("2019-06-01T00:00:00Z"))),
    ).toBe("certificate-not-yet-valid");
    expect(codeOf(() => v.validate(chainOf("cert-node1"), new Date("2025-06-01T00:00:00Z")))).toBe(
      "certificate-not-yet-valid",
    );
    expect(codeOf(() => v.validate(chainOf("cert-node1"), new Date("2200-01-01T00:00:00Z")))).toBe(
      "certificate-expired",
    );
  });

  it("refuses a CA certificate presented as a leaf's issuer when it is not a CA", () => {
    // node1 "issuing" node2 is impossible: a leaf as issuer fails the CA checks or the signature.
    const fake = [chainOf("cert-node2")[0]!, chainOf("cert-node1")[0]!];
    expect(codeOf(() => v.validate(fake, NOW))).toBe("untrusted-certificate");
  });

  it("applies pins and the application callback", () => {
    const pinned = new CertificateValidator({ roots: [root], pins: [spkiPin(root)] });
    expect(codeOf(() => pinned.validate(chainOf("cert-node1"), NOW))).toBe("ok");
    const wrongPin = new CertificateValidator({ roots: [root], pins: [spkiPin(otherRoot)] });
    expect(codeOf(() => wrongPin.validate(chainOf("cert-node1"), NOW))).toBe("pin-mismatch");
    const seen: string[] = [];
    const cb = new CertificateValidator({
      roots: [root],
      callback: ({ leaf, path }) => {
        seen.push(`${leaf.subject}/${path.length}`);
        return leaf.subject === "CN=node1" ? true : "only node1 may join";
      },
    });
    expect(codeOf(() => cb.validate(chainOf("cert-node1"), NOW))).toBe("ok");
    expect(codeOf(() => cb.validate(chainOf("cert-node2"), NOW))).toBe("rejected-by-application");
    expect(seen).toEqual(["CN=node1/2", "CN=node2/3"]);
    // pins alone (no roots) trust exactly the pinned key
    const pinOnly = new CertificateValidator({ pins: [spkiPin(fixturePem("cert-selfsigned"))] });
    expect(codeOf(() => pinOnly.validate(chainOf("cert-selfsigned"), NOW))).toBe("ok");
    expect(codeOf(() => pinOnly.validate(chainOf("cert-node1"), NOW))).toBe("pin-mismatch");
  });

  it("enforces extended key usage when asked", () => {
    const strict = new CertificateValidator({
      roots: [root],
      requiredExtendedKeyUsages: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
    });
    expect(codeOf(() => strict.validate(chainOf("cert-node1"), NOW))).toBe("ok");
    const codeSigning = new CertificateValidator({
      roots: [root],
      requiredExtendedKeyUsages: ["1.3.6.1.5.5.7.3.3"],
    });
    expect(codeOf(() => codeSigning.validate(chainOf("cert-node1"), NOW))).toBe("bad-key-usage");
  });

  it("remembers validated chains only while every certificate is valid; the callback runs every time", () => {
    let calls = 0;
    for (const cacheSize of [256, 0]) {
      const pinned = new CertificateValidator({
        pins: [spkiPin(fixturePem("cert-expired"))],
        callback: () => {
          calls++;
          return true;
        },
        cacheSize,
      });
      const chain = chainOf("cert-expired").slice(0, 1);
      expect(codeOf(() => pinned.validate(chain, new Date("2019-06-01T00:00:00Z")))).toBe("ok");
      expect(codeOf(() => pinned.validate(chain, new Date("2019-07-01T00:00:00Z")))).toBe("ok");
      expect(codeOf(() => pinned.validate(chain, new Date("2021-01-01T00:00:00Z")))).toBe(
        "certificate-expired",
      );
      expect(codeOf(() => pinned.validate(chain, new Date("2018-01-01T00:00:00Z")))).toBe(
        "certificate-not-yet-valid",
      );
    }
    expect(calls).toBe(4);
    // a cached good chain does not vouch for a different chain with the same leaf
    const v2 = new CertificateValidator({ roots: [root] });
    expect(codeOf(() => v2.validate(chainOf("cert-node2"), NOW))).toBe("ok");
    expect(codeOf(() => v2.validate(chainOf("cert-node2").slice(0, 1), NOW))).toBe(
      "untrusted-certificate",
    );
  });

  it("will not be built without any source of trust", () => {
    expect(() => new CertificateValidator({})).toThrow(SecurityError);
  });
});

const links: Link[] = [];
afterEach(() => {
  for (const l of links.splice(0)) l.close();
});

const certMode = (name: string, validator: CertificateValidator): PeerSecurity => ({
  mode: "certificate",
  identity: fixtureIdentity(name),
  validator,
});

describe("certificate mode over real TLS on 127.0.0.1", () => {
  const trusting = new CertificateValidator({ roots: [root] });

  it("links two trusted nodes and both sides authorize the other", async () => {
    const l = await openLink(
      peerTlsServerOptions(certMode("cert-node1", trusting))!,
      peerTlsClientOptions(certMode("cert-node2", trusting))!,
    );
    expect(isLink(l)).toBe(true);
    if (!isLink(l)) return;
    links.push(l);
    const atServer = authorizePeerCertificate(l.server, trusting, NOW);
    expect(atServer[0]!.subject).toBe("CN=node2");
    expect(atServer).toHaveLength(3);
    const atClient = authorizePeerCertificate(l.client, trusting, NOW);
    expect(atClient[0]!.subject).toBe("CN=node1");
    expect(peerCertificateChain(l.server).length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ["untrusted (self-signed)", "cert-selfsigned"],
    ["expired", "cert-expired"],
    ["issued by the wrong CA", "cert-wrongca"],
  ])("refuses a client whose certificate is %s", async (_what, name) => {
    const l = await openLink(
      peerTlsServerOptions(certMode("cert-node1", trusting))!,
      peerTlsClientOptions(certMode(name, trusting))!,
    );
    // The TLS layer takes any client certificate; authorizePeerCertificate is the gate.
    expect(isLink(l)).toBe(true);
    if (!isLink(l)) return;
    links.push(l);
    expect(() => authorizePeerCertificate(l.server, trusting, NOW)).toThrow(SecurityError);
  });

  it.each([
    ["untrusted (self-signed)", "cert-selfsigned", "DEPTH_ZERO_SELF_SIGNED_CERT"],
    ["expired", "cert-expired", "CERT_HAS_EXPIRED"],
    // the wrong-CA server sends its own (untrusted) root along
    ["issued by the wrong CA", "cert-wrongca", "SELF_SIGNED_CERT_IN_CHAIN"],
  ])("client refuses a server whose certificate is %s", async (_what, name, code) => {
    const l = await openLink(
      peerTlsServerOptions(certMode(name, trusting))!,
      peerTlsClientOptions(certMode("cert-node1", trusting))!,
    );
    expect(isLink(l)).toBe(false);
    if (isLink(l)) return;
    expect((l.clientError as NodeJS.ErrnoException | undefined)?.code).toBe(code);
  });

  it("with pins only, the TLS layer lets anyone in and authorizePeerCertificate decides", async () => {
    const pinned = new CertificateValidator({ pins: [spkiPin(fixturePem("cert-node2"))] });
    const l = await openLink(
      peerTlsServerOptions(certMode("cert-node1", pinned))!,
      peerTlsClientOptions(certMode("cert-selfsigned", pinned))!,
    );
    if (!isLink(l)) throw new Error("TLS should have come up");
    links.push(l);
    expect(codeOf(() => authorizePeerCertificate(l.server, pinned, NOW))).toBe("pin-mismatch");
    const leaf = new X509Certificate(Buffer.from(peerCertificateChain(l.server)[0]!));
    expect(leaf.subject).toBe("CN=stranger");
  });

  it("builds no TLS options in mode none", () => {
    expect(peerTlsServerOptions({ mode: "none" })).toBeUndefined();
    expect(peerTlsClientOptions({ mode: "none" })).toBeUndefined();
  });
});
