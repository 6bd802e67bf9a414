import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CollabError,
  canonicalJson,
  createEnvelope,
  createPerson,
  openEnvelope,
  openSealed,
  type Person,
  ReplayCache,
  sealTo,
  signDocument,
  verifyDocument,
} from "../src/index.js";

let alice: Person;
let bob: Person;
let mallory: Person;
beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([
    createPerson("Alice"),
    createPerson("Bob"),
    createPerson("Mallory"),
  ]);
});

describe("canonical JSON and signatures", () => {
  it("canonical form does not depend on key order", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
        (d) => {
          const reversed = Object.fromEntries(Object.entries(d).reverse());
          expect(canonicalJson(reversed)).toBe(canonicalJson(d));
          expect(JSON.parse(canonicalJson(d))).toEqual(d);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses non-data values", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(CollabError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(CollabError);
  });

  it("verifies with the signer's certificate only, and only for the same kind", () => {
    const doc = { a: 1, b: ["x"] };
    const sig = signDocument(alice.identity.privateKeyPem, "card", doc);
    expect(verifyDocument(alice.identity.certificatePem, "card", doc, sig)).toBe(true);
    expect(verifyDocument(bob.identity.certificatePem, "card", doc, sig)).toBe(false);
    expect(verifyDocument(alice.identity.certificatePem, "pnm", doc, sig)).toBe(false);
    expect(verifyDocument(alice.identity.certificatePem, "card", { ...doc, a: 2 }, sig)).toBe(
      false,
    );
    expect(verifyDocument("garbage", "card", doc, sig)).toBe(false);
  });
});

describe("sealing", () => {
  it("round-trips any payload to the recipient and to nobody else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 40 }), (data, aad) => {
        const box = sealTo(bob.identity.certificatePem, data, aad);
        expect(openSealed(bob.identity.privateKeyPem, box, aad)).toEqual(data);
      }),
      { numRuns: 60 },
    );
    const box = sealTo(bob.identity.certificatePem, Buffer.from("secret"), "ctx");
    expect(() => openSealed(alice.identity.privateKeyPem, box, "ctx")).toThrow(
      expect.objectContaining({ code: "BadSignature" }),
    );
  });

  it("fails when the context or the ciphertext changes", () => {
    const box = sealTo(bob.identity.certificatePem, Buffer.from("mesh password"), "invite-1");
    expect(() => openSealed(bob.identity.privateKeyPem, box, "invite-2")).toThrow(
      expect.objectContaining({ code: "BadSignature" }),
    );
    const ct = Buffer.from(box.ct, "base64");
    ct[0] = (ct[0] ?? 0) ^ 1;
    expect(() =>
      openSealed(bob.identity.privateKeyPem, { ...box, ct: ct.toString("base64") }, "invite-1"),
    ).toThrow(expect.objectContaining({ code: "BadSignature" }));
    expect(() => openSealed(bob.identity.privateKeyPem, { alg: "x" }, "invite-1")).toThrow(
      expect.objectContaining({ code: "Malformed" }),
    );
    expect(() => openSealed(bob.identity.privateKeyPem, null, "invite-1")).toThrow(CollabError);
  });

  it("refuses to seal more than the quota", () => {
    expect(() => sealTo(bob.identity.certificatePem, new Uint8Array(16385), "x")).toThrow(
      expect.objectContaining({ code: "QuotaExceeded" }),
    );
  });
});

describe("signed messages", () => {
  const opts = (self: Person) => ({
    selfPin: self.pin,
    now: Date.now(),
    replay: new ReplayCache(),
  });

  it("opens a message from its signer, addressed to us", () => {
    const env = createEnvelope(alice, ["tcp://127.0.0.1:1"], bob.pin, "host-request", { x: 1 });
    const m = openEnvelope(JSON.parse(JSON.stringify(env)), opts(bob));
    expect(m.type).toBe("host-request");
    expect(m.from.pin).toBe(alice.pin);
    expect(m.from.displayName).toBe("Alice");
    expect(m.body).toEqual({ x: 1 });
  });

  it("ignores a message carrying Alice's certificate but signed by Mallory's key", () => {
    const env = createEnvelope(mallory, [], bob.pin, "invite", { x: 1 });
    const forged = {
      ...env,
      from: { ...env.from, name: "Alice", cert: alice.identity.certificatePem },
    };
    expect(() => openEnvelope(forged, opts(bob))).toThrow(
      expect.objectContaining({ code: "BadSignature" }),
    );
  });

  it("refuses messages for someone else, replays and stale timestamps", () => {
    const env = createEnvelope(alice, [], bob.pin, "ack", {});
    expect(() => openEnvelope(env, opts(mallory))).toThrow(
      expect.objectContaining({ code: "Refused" }),
    );
    const o = opts(bob);
    openEnvelope(env, o);
    expect(() => openEnvelope(env, o)).toThrow(expect.objectContaining({ code: "Refused" }));
    const old = createEnvelope(alice, [], bob.pin, "ack", {}, undefined, Date.now() - 3_600_000);
    expect(() => openEnvelope(old, opts(bob))).toThrow(
      expect.objectContaining({ code: "Expired" }),
    );
  });

  it("turns arbitrary JSON into CollabErrors only", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          openEnvelope(v, opts(bob));
          return false;
        } catch (e) {
          return e instanceof CollabError;
        }
      }),
      { numRuns: 300 },
    );
  });
});
