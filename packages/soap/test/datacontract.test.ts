import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DataContract,
  dcArrayOfIPAddress,
  dcArrayOfPeerNodeAddress,
  dcArrayOfReferral,
  dcBool,
  dcClass,
  dcCollection,
  dcConnectInfo,
  dcDisconnectInfo,
  dcDuration,
  dcGuid,
  dcInt32,
  dcInt64,
  dcIPAddress,
  dcLinkUtilityInfo,
  dcPeerNodeAddress,
  dcReferral,
  dcRefreshInfo,
  dcRefreshResponseInfo,
  dcRefuseInfo,
  dcRegisterInfo,
  dcRegisterResponseInfo,
  dcResolveInfo,
  dcResolveResponseInfo,
  dcServiceSettingsResponseInfo,
  dcString,
  dcUInt16,
  dcUInt32,
  dcUInt64,
  dcUnregisterInfo,
  dcUpdateInfo,
  dcWelcomeInfo,
  type IPAddress,
  member,
  type PeerNodeAddress,
  sortMembers,
} from "../src/index.js";
import { readBackText, toText, viaBinary, viaText } from "./roundtrip.js";

const RUNS = { numRuns: 150 };

const text = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom("", " lead", "trail ", "<&>\"'", "mesh-ü-😀", "a\nb\tc"),
);
const guid = fc.uuid().map((s) => s.toLowerCase());
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const ip: fc.Arbitrary<IPAddress> = fc.oneof(
  fc
    .uint8Array({ minLength: 4, maxLength: 4 })
    .map((bytes) => ({ family: "InterNetwork" as const, bytes, scopeId: 0n })),
  fc
    .tuple(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.bigInt({ min: 0n, max: 0xffffffffn }),
    )
    .map(([bytes, scopeId]) => ({ family: "InterNetworkV6" as const, bytes, scopeId })),
);
const epr = fc.webUrl().map((uri) => ({ uri }));
const pna: fc.Arbitrary<PeerNodeAddress> = fc.record({
  endpointAddress: fc.option(epr, { nil: null }),
  ipAddresses: fc.option(fc.array(ip, { maxLength: 4 }), { nil: null }),
});
const referral = fc.record({ address: fc.option(pna, { nil: null }), nodeId: u64 });
const referrals = fc.option(fc.array(referral, { maxLength: 3 }), { nil: null });
const meshId = fc.option(text, { nil: null });

/** Normalises Uint8Array views so toEqual compares contents. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function roundTrips<T>(name: string, type: DataContract<T>, arb: fc.Arbitrary<T>): void {
  it(`${name} round-trips through text and binary`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        expect(plain(viaText(type, v))).toEqual(plain(v));
        expect(plain(viaBinary(type, v))).toEqual(plain(v));
      }),
      RUNS,
    );
  });
}

describe("DataContract round trips (property)", () => {
  roundTrips("xs:string", dcString, text);
  roundTrips("xs:int", dcInt32, fc.integer());
  roundTrips("xs:unsignedInt", dcUInt32, fc.nat({ max: 0xffffffff }));
  roundTrips("xs:unsignedShort", dcUInt16, fc.nat({ max: 0xffff }));
  roundTrips("xs:long", dcInt64, i64);
  roundTrips("xs:unsignedLong", dcUInt64, u64);
  roundTrips("xs:boolean", dcBool, fc.boolean());
  roundTrips("ser:guid", dcGuid, guid);
  roundTrips("ser:duration", dcDuration, i64);
  roundTrips("IPAddress", dcIPAddress, ip);
  roundTrips("ArrayOfIPAddress", dcArrayOfIPAddress, fc.array(ip, { maxLength: 5 }));
  roundTrips("PeerNodeAddress", dcPeerNodeAddress, pna);
  roundTrips("Referral", dcReferral, referral);
  roundTrips("ArrayOfReferral", dcArrayOfReferral, fc.array(referral, { maxLength: 4 }));
  roundTrips(
    "ConnectInfo",
    dcConnectInfo,
    fc.record({ address: fc.option(pna, { nil: null }), nodeId: u64 }),
  );
  roundTrips("WelcomeInfo", dcWelcomeInfo, fc.record({ nodeId: u64, referrals }));
  roundTrips(
    "RefuseInfo",
    dcRefuseInfo,
    fc.record({
      reason: fc.constantFrom("DuplicateNeighbor", "DuplicateNodeId", "NodeBusy" as const),
      referrals,
    }),
  );
  roundTrips(
    "DisconnectInfo",
    dcDisconnectInfo,
    fc.record({
      reason: fc.constantFrom(
        "LeavingMesh",
        "NotUsefulNeighbor",
        "DuplicateNeighbor",
        "DuplicateNodeId",
        "NodeBusy",
        "InternalFailure" as const,
      ),
      referrals,
    }),
  );
  roundTrips(
    "LinkUtilityInfo",
    dcLinkUtilityInfo,
    fc.record({ total: fc.nat({ max: 0xffffffff }), useful: fc.nat({ max: 0xffffffff }) }),
  );
  roundTrips(
    "Register",
    dcRegisterInfo,
    fc.record({ clientId: guid, meshId, nodeAddress: fc.option(pna, { nil: null }) }),
  );
  roundTrips(
    "UpdateInfo",
    dcUpdateInfo,
    fc.record({
      clientId: guid,
      meshId,
      nodeAddress: fc.option(pna, { nil: null }),
      registrationId: guid,
    }),
  );
  roundTrips(
    "ResolveInfo",
    dcResolveInfo,
    fc.record({ clientId: guid, maxAddresses: fc.integer(), meshId }),
  );
  roundTrips(
    "ResolveResponseInfo",
    dcResolveResponseInfo,
    fc.record({ addresses: fc.option(fc.array(pna, { maxLength: 3 }), { nil: null }) }),
  );
  roundTrips("ArrayOfPeerNodeAddress", dcArrayOfPeerNodeAddress, fc.array(pna, { maxLength: 3 }));
  roundTrips("RefreshInfo", dcRefreshInfo, fc.record({ meshId, registrationId: guid }));
  roundTrips(
    "RefreshResponseInfo",
    dcRefreshResponseInfo,
    fc.record({
      registrationLifetime: i64,
      result: fc.constantFrom("Success", "RegistrationNotFound" as const),
    }),
  );
  roundTrips("UnregisterInfo", dcUnregisterInfo, fc.record({ meshId, registrationId: guid }));
  roundTrips(
    "ServiceSettingsResponseInfo",
    dcServiceSettingsResponseInfo,
    fc.record({ controlMeshShape: fc.boolean() }),
  );
  roundTrips(
    "RegisterResponse",
    dcRegisterResponseInfo,
    fc.record({ registrationId: guid, registrationLifetime: i64 }),
  );
});

describe("DataContractSerializer rules", () => {
  it("orders members alphabetically (ordinal), then by Order", () => {
    const sorted = sortMembers([
      { name: "b" },
      { name: "Z", order: 1 },
      { name: "a" },
      { name: "B" },
      { name: "A", order: 1 },
      { name: "m", order: 0 },
    ]);
    expect(sorted.map((m) => m.name)).toEqual(["B", "a", "b", "m", "A", "Z"]);
  });

  it("writes WelcomeInfo as NodeId then Referrals and PeerNodeAddress as EndpointAddress then IPAddresses", () => {
    expect(dcWelcomeInfo.memberOrder).toEqual(["NodeId", "Referrals"]);
    expect(dcPeerNodeAddress.memberOrder).toEqual(["EndpointAddress", "IPAddresses"]);
    expect(dcUpdateInfo.memberOrder).toEqual([
      "ClientId",
      "MeshId",
      "NodeAddress",
      "RegistrationId",
    ]);
  });

  it("writes null reference members as i:nil and reads them back as null", () => {
    const xml = toText(
      dcConnectInfo,
      { address: null, nodeId: 5n },
      "Connect",
      "http://schemas.microsoft.com/net/2006/05/peer",
    );
    expect(xml).toBe(
      '<Connect xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Address i:nil="true"/><NodeId>5</NodeId></Connect>',
    );
    expect(viaText(dcConnectInfo, { address: null, nodeId: 5n })).toEqual({
      address: null,
      nodeId: 5n,
    });
  });

  it("writes enums as member names and xs:duration as text", () => {
    const xml = toText(dcRefreshResponseInfo, {
      registrationLifetime: 6_000_000_000n,
      result: "RegistrationNotFound",
    });
    expect(xml).toContain(
      "<RegistrationLifetime>PT10M</RegistrationLifetime><Result>RegistrationNotFound</Result>",
    );
  });

  it("skips unknown elements and takes absent optional members as defaults", () => {
    const xml =
      '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><Extra>1</Extra><NodeId>7</NodeId><Unknown><Deep/></Unknown></Root>';
    expect(readBackText(xml, dcWelcomeInfo)).toEqual({ nodeId: 7n, referrals: null });
  });

  it("treats out-of-order members as unknown, as DataContractSerializer does", () => {
    const xml =
      '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><Referrals/><NodeId>7</NodeId></Root>';
    // NodeId precedes Referrals in member order, so once Referrals is read a later NodeId is skipped.
    expect(readBackText(xml, dcWelcomeInfo)).toEqual({ nodeId: 0n, referrals: [] });
  });

  it("rejects nil on a value-type member", () => {
    const xml =
      '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><NodeId i:nil="true"/></Root>';
    expect(() => readBackText(xml, dcWelcomeInfo)).toThrow(
      expect.objectContaining({ code: "nil-not-allowed" }),
    );
  });

  it("rejects a missing required member and a missing enum", () => {
    const t = dcClass<{ x: number }>({
      name: "T",
      ns: "urn:test",
      members: { x: member("X", dcInt32, { required: true }) },
    });
    expect(() => readBackText('<Root xmlns="urn:test"/>', t)).toThrow(
      expect.objectContaining({ code: "missing-element" }),
    );
    expect(() =>
      readBackText(
        '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><Referrals/></Root>',
        dcRefuseInfo,
      ),
    ).toThrow(expect.objectContaining({ code: "missing-element" }));
  });

  it("rejects unknown enum members and out-of-range numbers", () => {
    expect(() =>
      readBackText(
        '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><Reason>Bored</Reason></Root>',
        dcRefuseInfo,
      ),
    ).toThrow(expect.objectContaining({ code: "invalid-value" }));
    expect(() =>
      readBackText(
        '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><NodeId>18446744073709551616</NodeId></Root>',
        dcWelcomeInfo,
      ),
    ).toThrow(expect.objectContaining({ code: "invalid-value" }));
    expect(() =>
      readBackText(
        '<Root xmlns="http://schemas.microsoft.com/net/2006/05/peer"><Total>-1</Total></Root>',
        dcLinkUtilityInfo,
      ),
    ).toThrow(expect.objectContaining({ code: "invalid-value" }));
  });

  it("leaves out null members with EmitDefaultValue=false", () => {
    const t = dcClass<{ s: string | null }>({
      name: "T",
      ns: "urn:test",
      members: { s: member("S", dcString, { emitDefaultValue: false }) },
    });
    expect(toText(t, { s: null })).toBe(
      '<Root xmlns="urn:test" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"/>',
    );
  });

  it("bounds collection length", () => {
    const small = dcCollection({
      name: "ArrayOfint",
      ns: "urn:test",
      itemName: "int",
      itemType: dcInt32,
      maxLength: 3,
    });
    expect(viaText(small, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(() => viaText(small, [1, 2, 3, 4])).toThrow(
      expect.objectContaining({ code: "quota-exceeded" }),
    );
  });
});
