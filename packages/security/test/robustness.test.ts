// Hostile-input properties: nothing decoded from the wire may throw anything
// but a SecurityError, and nothing but the right token authenticates.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CertificateValidator,
  capiBlobFromCertificate,
  capiBlobToRsaPublicKey,
  computePeerHashToken,
  decodeBase64Strict,
  type HandshakeInput,
  PasswordHandshake,
  PEER_HASH_TOKEN_TYPE,
  SecurityError,
  TRUST_STATUS_VALID,
  TRUST_VALIDATE_REQUEST_TYPE,
  verifyFlood,
  verifyPeerHashToken,
} from "../src/index.js";
import { fixturePem } from "./harness.js";

const A = capiBlobFromCertificate(fixturePem("pw-alice"));
const B = capiBlobFromCertificate(fixturePem("pw-bob"));
const goodRst = computePeerHashToken("pw", A);
const goodRstr = computePeerHashToken("pw", B);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const uriish = fc.oneof(
  fc.constantFrom(PEER_HASH_TOKEN_TYPE, TRUST_VALIDATE_REQUEST_TYPE, TRUST_STATUS_VALID, ""),
  fc.string({ maxLength: 80 }),
);
const tokenish = fc.oneof(
  fc.constantFrom(goodRst, goodRstr),
  fc.base64String({ maxLength: 60 }),
  fc.string({ maxLength: 60 }),
);
const input: fc.Arbitrary<HandshakeInput> = fc.oneof(
  fc.record({
    kind: fc.constant("rst" as const),
    body: fc.record({ tokenType: uriish, requestType: uriish, authenticator: maybe(tokenish) }),
  }),
  fc.record({
    kind: fc.constant("rstr" as const),
    body: fc.record({
      tokenType: uriish,
      statusCode: maybe(uriish),
      authenticator: maybe(tokenish),
    }),
  }),
  fc.record({ kind: fc.constant("malformed" as const), action: fc.string(), reason: fc.string() }),
  fc.record({ kind: fc.constant("other" as const), action: fc.string() }),
);

function throwsOnlySecurityError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityError);
  }
}

describe("robustness", () => {
  it("PasswordHandshake never throws on wire input and authenticates only on the right token", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(input, { maxLength: 6 }),
        fc.array(fc.nat(200_000), { maxLength: 6 }),
        (isInit, msgs, times) => {
          const hs = new PasswordHandshake({
            role: isInit ? "initiator" : "responder",
            password: "pw",
            localKeyBlob: isInit ? A : B,
            remoteKeyBlob: isInit ? B : A,
            now: 0,
          });
          hs.start(0);
          let t = 0;
          msgs.forEach((m, i) => {
            t = Math.max(t, times[i] ?? t);
            const before = hs.state;
            const actions = hs.receive(m, t);
            if (hs.state === "authenticated" && before !== "authenticated") {
              // the one way in: the right token, in time, of the right kind for the role
              expect(t).toBeLessThan(120_000);
              expect(m.kind).toBe(isInit ? "rstr" : "rst");
              if (m.kind === "rst" || m.kind === "rstr") {
                const a = m.body.authenticator;
                expect(typeof a === "string" ? a.trim() : a).toBe(isInit ? goodRstr : goodRst);
              }
              expect(actions.at(-1)).toEqual({ type: "authenticated" });
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("token verification and base64 decoding only ever throw SecurityError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (s) => {
        expect(typeof verifyPeerHashToken(s, "pw", A)).toBe("boolean");
        throwsOnlySecurityError(() => decodeBase64Strict(s, 600));
      }),
      { numRuns: 300 },
    );
  });

  it("CAPI blob decoding only ever throws SecurityError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        throwsOnlySecurityError(() => capiBlobToRsaPublicKey(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("certificate validation of garbage only ever throws SecurityError", () => {
    const v = new CertificateValidator({ roots: [fixturePem("ca-root")] });
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 0, maxLength: 3 }),
        (chain) => {
          throwsOnlySecurityError(() => v.validate(chain, new Date("2027-01-01")));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("flood verification of arbitrary signatures only ever throws SecurityError", () => {
    const part = (id: string) => ({ id, canonical: new Uint8Array([60, 97, 47, 62]) });
    const parts = {
      PeerVia: part("a"),
      FloodMessage: part("b"),
      PeerTo: part("c"),
      MessageID: part("d"),
      Body: part("e"),
    };
    const ref = fc.record({
      uri: fc.oneof(
        fc.constantFrom("#a", "#b", "#c", "#d", "#e", "#x"),
        fc.string({ maxLength: 10 }),
      ),
      transforms: fc.array(fc.constantFrom("http://www.w3.org/2001/10/xml-exc-c14n#", "x"), {
        maxLength: 2,
      }),
      digestMethod: fc.constantFrom("http://www.w3.org/2000/09/xmldsig#sha1", "x"),
      digestValue: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 40 })),
    });
    fc.assert(
      fc.property(
        fc.record({
          signedInfo: fc.uint8Array({ maxLength: 200 }),
          signatureMethod: fc.constantFrom("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "x"),
          references: fc.array(ref, { maxLength: 7 }),
          signatureValue: fc.oneof(
            fc.base64String({ maxLength: 400 }),
            fc.string({ maxLength: 50 }),
          ),
        }),
        (sig) => {
          throwsOnlySecurityError(() =>
            verifyFlood(
              parts,
              { ...sig, certificate: fixturePem("cert-node1") },
              { required: true, now: new Date("2027-01-01"), validator: () => true },
            ),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
