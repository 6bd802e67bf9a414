import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressProblem,
  DEFAULT_CONFIG,
  isIPAddress,
  LINK_UTILITY_MAX,
  MeshEngine,
  MeshError,
  MessageIdCache,
  newLinkUtility,
  parseIPv6,
  REASON_VALUES,
  ReferralCache,
  randomGuid,
  randomNodeId,
  referralProblem,
  resolveConfig,
  seededRandom,
  servicePath,
  updateLinkUtility,
} from "../src/index.js";
import { addr } from "./helpers.js";

describe("§3.1.1 NodeId", () => {
  it("is a nonzero unsigned 64-bit value read from the injected random source", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const id = randomNodeId(seededRandom(seed));
        return id > 0n && id < 1n << 64n;
      }),
      { numRuns: 200 },
    );
  });

  it("is drawn again when the source yields zero", () => {
    const words = [0, 0, 0, 5];
    let i = 0;
    expect(randomNodeId({ nextU32: () => words[i++] ?? 0 })).toBe(5n);
  });

  it("a broken source raises MeshError, not a raw error", () => {
    expect(() => randomNodeId({ nextU32: () => 0 })).toThrow(MeshError);
  });

  it("the engine takes it from the random source and is deterministic per seed", () => {
    const mk = (seed: number) =>
      new MeshEngine({ meshName: "m", address: addr(1), random: seededRandom(seed) }).nodeId;
    expect(mk(3)).toBe(mk(3));
    expect(mk(3)).not.toBe(mk(4));
  });

  it("GUIDs are version 4", () => {
    expect(randomGuid(seededRandom(1))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe("§3.1.5.6.1.1.1 LinkUtilityIndex (Windows formula)", () => {
  it("U ← ⌊U·31/32⌋ + 128·useful", () => {
    const u = newLinkUtility();
    updateLinkUtility(u, true);
    expect(u.value).toBe(128);
    updateLinkUtility(u, true);
    expect(u.value).toBe(Math.floor((128 * 31) / 32) + 128);
    updateLinkUtility(u, false);
    expect(u.value).toBe(Math.floor((252 * 31) / 32));
    expect(u.updates).toBe(3);
  });

  it("stays within 0…4096; a steady useful stream settles at the floor's fixed point 4065", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 400 }), (xs) => {
        const u = newLinkUtility();
        for (const x of xs) updateLinkUtility(u, x);
        return u.value >= 0 && u.value <= LINK_UTILITY_MAX && u.updates === xs.length;
      }),
      { numRuns: 200 },
    );
    const u = newLinkUtility();
    for (let i = 0; i < 1000; i++) updateLinkUtility(u, true);
    expect(u.value).toBe(4065);
    const high = { value: 5000, updates: 0 };
    updateLinkUtility(high, true);
    expect(high.value).toBe(4096);
  });
});

describe("§3.1.1 MessageId cache (5 buckets rotated each minute)", () => {
  it("reports the age in buckets and forgets after a full cycle", () => {
    const c = new MessageIdCache(5);
    c.add("a");
    expect(c.age("a")).toBe(0);
    c.rotate();
    c.add("b");
    expect(c.age("a")).toBe(1);
    expect(c.age("b")).toBe(0);
    for (let i = 0; i < 3; i++) c.rotate();
    expect(c.age("a")).toBe(4);
    c.rotate();
    expect(c.age("a")).toBe(-1);
    expect(c.age("b")).toBe(4);
  });

  it("behaves as N buckets of sets, rotated in turn (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.oneof(fc.constant("rotate" as const), fc.integer({ min: 0, max: 12 })), {
          maxLength: 200,
        }),
        (n, ops) => {
          const c = new MessageIdCache(n);
          const model: Set<string>[] = Array.from({ length: n }, () => new Set());
          let cur = 0;
          const age = (k: string) => {
            for (let a = 0; a < n; a++) if (model[(cur - a + n) % n]!.has(k)) return a;
            return -1;
          };
          for (const op of ops) {
            if (op === "rotate") {
              c.rotate();
              cur = (cur + 1) % n;
              model[cur]!.clear();
            } else {
              const k = `k${op}`;
              // The engine records an id only when it is not in the cache.
              if (age(k) < 0) {
                c.add(k);
                model[cur]!.add(k);
              }
            }
            for (let k = 0; k <= 12; k++) expect(c.age(`k${k}`)).toBe(age(`k${k}`));
            expect(c.size).toBe(model.reduce((t, b) => t + b.size, 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rotates early when a bucket hits its quota, so memory stays bounded", () => {
    const c = new MessageIdCache(5, 10);
    for (let i = 0; i < 1000; i++) c.add(`k${i}`);
    expect(c.size).toBeLessThanOrEqual(50);
  });
});

describe("§3.1.1 Referral cache (50 entries, Windows)", () => {
  it("holds at most 50 entries, dropping the oldest", () => {
    const c = new ReferralCache();
    for (let i = 1; i <= 60; i++) c.add(addr(i), BigInt(i));
    expect(c.size).toBe(50);
    expect(c.list()[0]![1].nodeId).toBe(11n);
  });

  it("is keyed by the address identity (upper-cased path), not host or port", () => {
    const c = new ReferralCache();
    const a = addr(5);
    c.add(a, 5n);
    c.add(
      {
        EndpointAddress: a.EndpointAddress.replace("10.0.0.5:31337", "OTHER:1"),
        IPAddresses: ["1.1.1.1"],
      },
      undefined,
    );
    expect(c.size).toBe(1);
    expect(c.list()[0]![1].nodeId).toBe(5n);
  });
});

describe("§2.2.2.2 PeerNodeAddress and §2.2.2.3 Referral validation", () => {
  it("accepts net.tcp with IPv4 and IPv6 addresses", () => {
    expect(addressProblem(addr(3))).toBeNull();
    expect(
      addressProblem({
        EndpointAddress: "net.tcp://h:1/x",
        IPAddresses: ["2001:db8::1", "::ffff:1.2.3.4"],
      }),
    ).toBeNull();
  });

  it("rejects non-net.tcp (Windows), empty IP lists, bad IPs and mixed link-local scopes", () => {
    expect(addressProblem({ EndpointAddress: "net.p2p://mesh/", IPAddresses: ["1.2.3.4"] })).toBe(
      "not-net.tcp",
    );
    expect(addressProblem({ EndpointAddress: "net.tcp://h/x", IPAddresses: [] })).toBe(
      "no-ip-addresses",
    );
    expect(addressProblem({ EndpointAddress: "net.tcp://h/x", IPAddresses: ["300.1.1.1"] })).toBe(
      "bad-ip-address",
    );
    expect(
      addressProblem({ EndpointAddress: "net.tcp://h/x", IPAddresses: ["fe80::1%1", "fe80::2%2"] }),
    ).toBe("mixed-link-local-scopes");
    expect(
      addressProblem({ EndpointAddress: "net.tcp://h/x", IPAddresses: ["fe80::1%1", "fe80::2%1"] }),
    ).toBeNull();
    expect(referralProblem({ NodeId: 0n, Address: addr(1) })).toBe("zero-node-id");
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        addressProblem(x as never);
        referralProblem(x as never);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("parses IPv6 forms", () => {
    expect(parseIPv6("::")?.groups).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("fe80::1%eth0")).toEqual({
      groups: [0xfe80, 0, 0, 0, 0, 0, 0, 1],
      scope: "eth0",
    });
    expect(isIPAddress("1::2::3")).toBe(false);
    expect(isIPAddress("1:2:3:4:5:6:7:8:9")).toBe(false);
  });

  it("address identity is the upper-cased path (Windows ServicePath)", () => {
    expect(
      servicePath({ EndpointAddress: "net.tcp://a:1/PeerChannelEndpoints/abc", IPAddresses: [] }),
    ).toBe("/PEERCHANNELENDPOINTS/ABC");
    expect(servicePath({ EndpointAddress: "net.tcp://a:1", IPAddresses: [] })).toBe("/");
  });
});

describe("configuration", () => {
  it("defaults are Windows' values", () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      idealNeighbors: 3,
      minNeighbors: 2,
      maxNeighbors: 7,
      connectTimeoutMs: 60_000,
      securityTimeoutMs: 120_000,
      linkUtilityIntervalMs: 30_000,
      linkUtilityThreshold: 32,
      maintenanceIntervalMs: 300_000,
      maintenanceRetryMs: 10_000,
      referralCacheSize: 50,
      throttleLimit: 128,
      throttleResumeAt: 8,
    });
  });

  it("rejects inconsistent settings with MeshError", () => {
    expect(() => resolveConfig({ minNeighbors: 5, idealNeighbors: 3 })).toThrow(MeshError);
    expect(() => resolveConfig({ connectTimeoutMs: -1 })).toThrow(MeshError);
    expect(() => resolveConfig({ throttleGraceMinMs: 5, throttleGraceMaxMs: 1 })).toThrow(
      MeshError,
    );
  });

  it("reason values match PeerCloseReason", () => {
    expect(REASON_VALUES).toEqual({
      LeavingMesh: 2,
      NotUsefulNeighbor: 3,
      DuplicateNeighbor: 4,
      DuplicateNodeId: 5,
      NodeBusy: 6,
      InternalFailure: 10,
    });
  });
});
