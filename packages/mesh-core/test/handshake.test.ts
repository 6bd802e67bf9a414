import { describe, expect, it } from "vitest";
import { RSTR_STATUS_VALID } from "../src/index.js";
import {
  acceptFrom,
  addr,
  dialTo,
  kinds,
  makeEngine,
  ofType,
  open,
  recv,
  sentOn,
} from "./helpers.js";

describe("§3.1.5.2 Connect (responder)", () => {
  it("MUST abort when the link is not Authenticated (Connect on a Connected link)", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, { kind: "Connect", NodeId: 2n, Address: addr(2) });
    expect(ofType(a, "abort").map((x) => x.conn)).toEqual([conn]);
    expect(kinds(a, conn)).toContain("Fault");
    expect(e.neighborCount).toBe(0);
  });

  it("MUST abort on a zero NodeId or an invalid PeerNodeAddress", () => {
    const e = makeEngine();
    open(e);
    const zero = acceptFrom(e, 0n, addr(2));
    expect(ofType(zero.actions, "abort")).toHaveLength(1);
    expect(ofType(zero.actions, "send").filter((s) => s.msg.kind === "Welcome")).toHaveLength(0);
    const badAddr = acceptFrom(e, 5n, {
      EndpointAddress: "net.p2p://x/",
      IPAddresses: ["1.2.3.4"],
    });
    expect(ofType(badAddr.actions, "abort")).toHaveLength(1);
    const noIps = acceptFrom(e, 6n, { EndpointAddress: addr(6).EndpointAddress, IPAddresses: [] });
    expect(ofType(noIps.actions, "abort")).toHaveLength(1);
    expect(e.neighborCount).toBe(0);
  });

  it("MUST Refuse with DuplicateNodeId when the NodeId equals ours", () => {
    const e = makeEngine({ nodeId: 77n });
    open(e);
    const { conn, actions } = acceptFrom(e, 77n, addr(2));
    expect(sentOn(actions, conn)).toEqual([
      { kind: "Refuse", Reason: "DuplicateNodeId", Referrals: [] },
    ]);
    expect(ofType(actions, "close").map((c) => c.conn)).toEqual([conn]);
  });

  it("Refuses with NodeBusy at MaxNeighborCount (Windows)", () => {
    const e = makeEngine({ config: { maxNeighbors: 3, idealNeighbors: 3 } });
    open(e);
    for (let i = 2; i <= 4; i++) acceptFrom(e, BigInt(i), addr(i));
    expect(e.neighborCount).toBe(3);
    const { conn, actions } = acceptFrom(e, 9n, addr(9));
    const m = sentOn(actions, conn)[0];
    expect(m?.kind).toBe("Refuse");
    expect(m?.kind === "Refuse" && m.Reason).toBe("NodeBusy");
    expect(m?.kind === "Refuse" && m.Referrals.length).toBe(3);
  });

  it("MUST send Welcome with our NodeId and referrals to Connected neighbors only, then be Connected", () => {
    const e = makeEngine({ nodeId: 1000n });
    open(e);
    acceptFrom(e, 2n, addr(2));
    // a link that is still Authenticated must not be referred
    const half = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn: half, direction: "incoming" }, 0);
    const { conn, actions } = acceptFrom(e, 3n, addr(3));
    const w = sentOn(actions, conn)[0];
    expect(w).toEqual({
      kind: "Welcome",
      NodeId: 1000n,
      Referrals: [{ NodeId: 2n, Address: addr(2) }],
    });
    expect(ofType(actions, "neighborAdded")).toEqual([
      { type: "neighborAdded", conn, nodeId: 3n, initiator: false },
    ]);
    expect(e.neighbors().find((n) => n.conn === conn)?.state).toBe("Connected");
  });

  it("masks IPv6 scope ids in referrals it sends (Windows)", () => {
    const e = makeEngine();
    open(e);
    const a6 = { EndpointAddress: addr(2).EndpointAddress, IPAddresses: ["fe80::1%7", "10.0.0.2"] };
    acceptFrom(e, 2n, a6);
    const { conn, actions } = acceptFrom(e, 3n, addr(3));
    const w = sentOn(actions, conn)[0];
    expect(w?.kind === "Welcome" && w.Referrals[0]?.Address.IPAddresses).toEqual([
      "fe80::1",
      "10.0.0.2",
    ]);
  });

  it("sends no referrals when referral sharing is off", () => {
    const e = makeEngine({ config: { shareReferrals: false } });
    open(e);
    acceptFrom(e, 2n, addr(2));
    const { conn, actions } = acceptFrom(e, 3n, addr(3));
    expect(sentOn(actions, conn)[0]).toEqual({ kind: "Welcome", NodeId: 1000n, Referrals: [] });
  });

  describe("duplicate NodeId: Ping the existing link, then the tie-break", () => {
    it("both links started by the remote: the new one is Refused DuplicateNeighbor", () => {
      const e = makeEngine({ nodeId: 1000n });
      open(e);
      const first = acceptFrom(e, 5n, addr(5));
      const second = acceptFrom(e, 5n, addr(5));
      expect(kinds(second.actions, first.conn)).toEqual(["Ping"]);
      expect(sentOn(second.actions, second.conn)[0]).toMatchObject({
        kind: "Refuse",
        Reason: "DuplicateNeighbor",
      });
      expect(ofType(second.actions, "close").map((c) => c.conn)).toEqual([second.conn]);
      expect(e.neighborCount).toBe(1);
    });

    it("different initiators, remote NodeId larger: the new (remote-initiated) link is refused", () => {
      const e = makeEngine({ nodeId: 1000n });
      open(e);
      const out = dialTo(e, 5000n, addr(5));
      const inc = acceptFrom(e, 5000n, addr(5));
      expect(kinds(inc.actions, out.conn)).toEqual(["Ping"]);
      expect(sentOn(inc.actions, inc.conn)[0]).toMatchObject({
        kind: "Refuse",
        Reason: "DuplicateNeighbor",
      });
      expect(e.neighbors().map((n) => n.conn)).toEqual([out.conn]);
    });

    it("different initiators, our NodeId larger: the old (our) link gets Disconnect DuplicateNeighbor", () => {
      const e = makeEngine({ nodeId: 9000n });
      open(e);
      const out = dialTo(e, 5n, addr(5));
      const inc = acceptFrom(e, 5n, addr(5));
      expect(kinds(inc.actions, out.conn)).toEqual(["Ping", "Disconnect"]);
      expect(sentOn(inc.actions, out.conn)[1]).toMatchObject({ Reason: "DuplicateNeighbor" });
      expect(kinds(inc.actions, inc.conn)).toEqual(["Welcome"]);
      expect(e.neighbors().map((n) => n.conn)).toEqual([inc.conn]);
    });
  });
});

describe("§3.1.5.3 Welcome (initiator)", () => {
  function dialing(nodeId = 1000n) {
    const e = makeEngine({ nodeId });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    const opened = e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    return { e, conn, opened };
  }

  it("the initiator sends Connect with its Address and NodeId once Authenticated (§3.1.6.4.9)", () => {
    const { e, conn, opened } = dialing(1234n);
    expect(sentOn(opened, conn)).toEqual([
      { kind: "Connect", Address: e.localAddress, NodeId: 1234n },
    ]);
  });

  it("MUST abort a Welcome on a link it did not initiate", () => {
    const e = makeEngine();
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    const a = recv(e, conn, { kind: "Welcome", NodeId: 5n, Referrals: [] });
    expect(ofType(a, "abort")).toHaveLength(1);
  });

  it("MUST close on NodeId zero", () => {
    const { e, conn } = dialing();
    const a = recv(e, conn, { kind: "Welcome", NodeId: 0n, Referrals: [] });
    expect(ofType(a, "close").map((c) => c.conn)).toEqual([conn]);
    expect(e.neighborCount).toBe(0);
  });

  it("MUST send Disconnect DuplicateNodeId and close when the NodeId is ours", () => {
    const { e, conn } = dialing(1000n);
    const a = recv(e, conn, { kind: "Welcome", NodeId: 1000n, Referrals: [] });
    expect(sentOn(a, conn)[0]).toMatchObject({ kind: "Disconnect", Reason: "DuplicateNodeId" });
    expect(ofType(a, "close")).toHaveLength(1);
  });

  it("MUST close when a referral is malformed (Windows: InvalidNeighbor)", () => {
    const { e, conn } = dialing();
    const a = recv(e, conn, {
      kind: "Welcome",
      NodeId: 5n,
      Referrals: [{ NodeId: 0n, Address: addr(8) }],
    });
    expect(ofType(a, "close")[0]).toMatchObject({ conn, reason: "InvalidNeighbor" });
    expect(e.referrals.size).toBe(0);
  });

  it("MUST cache the referrals and become Connected", () => {
    const { e, conn } = dialing();
    const a = recv(e, conn, {
      kind: "Welcome",
      NodeId: 5n,
      Referrals: [
        { NodeId: 8n, Address: addr(8) },
        { NodeId: 1000n, Address: addr(99) }, // ourselves: not cached
      ],
    });
    expect(ofType(a, "neighborAdded")).toHaveLength(1);
    expect(ofType(a, "online")).toHaveLength(1);
    expect(e.referrals.list().map(([, r]) => r.nodeId)).toEqual([8n]);
    expect(e.neighborCount).toBe(1);
  });

  it("duplicate: both links started by us → Refuse DuplicateNeighbor on the new link", () => {
    const e = makeEngine({ nodeId: 1000n });
    open(e);
    const first = dialTo(e, 5n, addr(5));
    const other = { EndpointAddress: addr(6).EndpointAddress, IPAddresses: ["10.9.9.9"] };
    const second = dialTo(e, 5n, other);
    expect(kinds(second.actions, first.conn)).toEqual(["Ping"]);
    expect(sentOn(second.actions, second.conn).at(-1)).toMatchObject({
      kind: "Refuse",
      Reason: "DuplicateNeighbor",
    });
    expect(e.neighborCount).toBe(1);
  });

  it("duplicate: old link started by remote, our NodeId larger → Disconnect the new link", () => {
    const e = makeEngine({ nodeId: 9000n });
    open(e);
    const inc = acceptFrom(e, 5n, addr(5));
    const out = dialTo(e, 5n, {
      EndpointAddress: addr(6).EndpointAddress,
      IPAddresses: ["10.1.1.1"],
    });
    expect(kinds(out.actions, inc.conn)).toEqual(["Ping"]);
    expect(sentOn(out.actions, out.conn).at(-1)).toMatchObject({
      kind: "Disconnect",
      Reason: "DuplicateNeighbor",
    });
    expect(e.neighbors().map((n) => n.conn)).toEqual([inc.conn]);
  });

  it("duplicate: old link started by remote, remote NodeId larger → Disconnect the old link", () => {
    const e = makeEngine({ nodeId: 10n });
    open(e);
    const inc = acceptFrom(e, 5000n, addr(5));
    const out = dialTo(e, 5000n, {
      EndpointAddress: addr(6).EndpointAddress,
      IPAddresses: ["10.1.1.1"],
    });
    expect(kinds(out.actions, inc.conn)).toEqual(["Ping", "Disconnect"]);
    expect(e.neighbors().map((n) => n.conn)).toEqual([out.conn]);
  });

  it("an initiator already at MaxNeighborCount closes the new link instead of sending Connect (Windows)", () => {
    const e = makeEngine({ config: { maxNeighbors: 3, idealNeighbors: 3 } });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    for (let i = 10; i < 13; i++) acceptFrom(e, BigInt(i), addr(i));
    const a = e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    expect(kinds(a, conn)).toEqual([]);
    expect(ofType(a, "close")[0]).toMatchObject({ conn, reason: "NodeBusy" });
  });
});

describe("§3.1.5.4 Refuse", () => {
  it("MUST abort when not Authenticated or not the initiator", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, { kind: "Refuse", Reason: "NodeBusy", Referrals: [] });
    expect(ofType(a, "abort")).toHaveLength(1);
  });

  it("SHOULD cache referrals of a valid Refuse and MUST close", () => {
    const e = makeEngine({ config: { connectAttemptsPerMaintenance: 1 } });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    const a = recv(e, conn, {
      kind: "Refuse",
      Reason: "NodeBusy",
      Referrals: [
        { NodeId: 7n, Address: addr(7) },
        { NodeId: 0n, Address: addr(8) },
      ],
    });
    expect(ofType(a, "close")[0]).toMatchObject({ conn, reason: "Refused" });
    expect(e.referrals.list().map(([, x]) => x.nodeId)).toContain(7n);
    expect(e.referrals.list().map(([, x]) => x.nodeId)).not.toContain(0n);
  });

  it("moves on to a referral from the Refuse within the maintenance run (Windows maintainer loop)", () => {
    const e = makeEngine();
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    const a = recv(e, conn, {
      kind: "Refuse",
      Reason: "NodeBusy",
      Referrals: [{ NodeId: 7n, Address: addr(7) }],
    });
    expect(ofType(a, "connect").map((c) => c.address)).toEqual([addr(7)]);
  });

  it("MUST NOT use the referrals when the reason is not a valid RefuseReason", () => {
    const e = makeEngine();
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    const before = e.referrals.size;
    const a = recv(e, conn, {
      kind: "Refuse",
      Reason: "LeavingMesh",
      Referrals: [{ NodeId: 7n, Address: addr(7) }],
    });
    expect(ofType(a, "close")).toHaveLength(1);
    expect(e.referrals.size).toBe(before);
  });
});

describe("§3.1.5.5 Disconnect", () => {
  it("MUST abort when the link is not Connected", () => {
    const e = makeEngine();
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    const a = recv(e, conn, { kind: "Disconnect", Reason: "LeavingMesh", Referrals: [] });
    expect(ofType(a, "abort")).toHaveLength(1);
  });

  it("an illegal reason closes the link without using referrals (Windows: silent close; spec: abort)", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, {
      kind: "Disconnect",
      Reason: "Bogus",
      Referrals: [{ NodeId: 7n, Address: addr(7) }],
    });
    expect(ofType(a, "close").map((c) => c.conn)).toEqual([conn]);
    expect(kinds(a, conn)).toEqual([]);
    expect(e.referrals.list().some(([, x]) => x.nodeId === 7n)).toBe(false);
  });

  it("SHOULD cache referrals and MUST close", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, {
      kind: "Disconnect",
      Reason: "NotUsefulNeighbor",
      Referrals: [{ NodeId: 7n, Address: addr(7) }],
    });
    expect(ofType(a, "close")[0]).toMatchObject({ conn, reason: "NotUsefulNeighbor" });
    expect(ofType(a, "neighborRemoved")).toHaveLength(1);
    expect(ofType(a, "offline")).toHaveLength(1);
    expect(e.referrals.list().some(([, x]) => x.nodeId === 7n)).toBe(true);
  });
});

describe("§3.1.5.7 Ping and §3.1.5.8 Fault", () => {
  it("MUST NOT respond to a Ping", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    expect(recv(e, conn, { kind: "Ping" })).toEqual([]);
    expect(e.neighborCount).toBe(1);
  });

  it("a received Fault aborts the neighbor (Windows) without a Fault back", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, { kind: "Fault" });
    expect(ofType(a, "abort")[0]).toMatchObject({ conn, reason: "Faulted" });
    expect(kinds(a, conn)).toEqual([]);
  });

  it("MUST send a Fault whenever it aborts an open link", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    const a = recv(e, conn, { kind: "Welcome", NodeId: 3n, Referrals: [] });
    const i = a.findIndex((x) => x.type === "send" && x.msg.kind === "Fault");
    const j = a.findIndex((x) => x.type === "abort");
    expect(i).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThan(i);
  });
});

describe("§3.1.5.1 RequestSecurityToken (password mode)", () => {
  const tokens = {
    mode: "password" as const,
    localAuthenticator: (conn: number) => `me-${conn}`,
    verifyRemote: (_conn: number, t: string) => t.startsWith("ok"),
  };

  it("the initiator sends RST on open and starts the 2-minute security timer", () => {
    const e = makeEngine({ config: { security: tokens } });
    open(e, 0);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    const a = e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 1000);
    expect(sentOn(a, conn)).toEqual([
      { kind: "RequestSecurityToken", Authenticator: `me-${conn}` },
    ]);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `handshake:${conn}`,
      at: 121_000,
    });
  });

  it("responder: MUST abort if not Created; valid token → RSTR and Authenticated with connect timer", () => {
    const e = makeEngine({ config: { security: tokens } });
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    const a = recv(e, conn, { kind: "RequestSecurityToken", Authenticator: "ok-remote" }, 5);
    expect(sentOn(a, conn)).toEqual([
      {
        kind: "RequestSecurityTokenResponse",
        Status: RSTR_STATUS_VALID,
        Authenticator: `me-${conn}`,
      },
    ]);
    expect(e.neighbors()[0]?.state).toBe("Authenticated");
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `handshake:${conn}`,
      at: 60_005,
    });
    const again = recv(e, conn, { kind: "RequestSecurityToken", Authenticator: "ok-remote" });
    expect(ofType(again, "abort")).toHaveLength(1);
  });

  it("responder: a token that does not match aborts without replying", () => {
    const e = makeEngine({ config: { security: tokens } });
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    const a = recv(e, conn, { kind: "RequestSecurityToken", Authenticator: "bad" });
    expect(sentOn(a, conn)).toEqual([]);
    expect(ofType(a, "abort")[0]).toMatchObject({ conn, reason: "AuthenticationFailed" });
  });

  it("MUST abort an RST when the mesh is not in password mode", () => {
    const e = makeEngine({ config: { security: { mode: "external" } } });
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    expect(
      ofType(recv(e, conn, { kind: "RequestSecurityToken", Authenticator: "ok" }), "abort"),
    ).toHaveLength(1);
  });

  it("initiator: RSTR on a link we did not initiate, a bad status, or a bad token all abort", () => {
    for (const [status, token, incoming] of [
      [RSTR_STATUS_VALID, "ok", true],
      ["http://schemas.xmlsoap.org/ws/2005/02/trust/status/invalid", "ok", false],
      [RSTR_STATUS_VALID, "bad", false],
    ] as const) {
      const e = makeEngine({ config: { security: tokens } });
      open(e);
      let conn: number;
      if (incoming) {
        conn = e.newConnectionId();
        e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
      } else {
        const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
        conn = ofType(r, "connect")[0]!.conn;
        e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
      }
      const a = recv(e, conn, {
        kind: "RequestSecurityTokenResponse",
        Status: status,
        Authenticator: token,
      });
      expect(ofType(a, "abort")).toHaveLength(1);
    }
  });

  it("initiator: a valid RSTR makes the link Authenticated and sends Connect", () => {
    const e = makeEngine({ config: { security: tokens } });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    const a = recv(e, conn, {
      kind: "RequestSecurityTokenResponse",
      Status: RSTR_STATUS_VALID,
      Authenticator: "ok",
    });
    expect(kinds(a, conn)).toEqual(["Connect"]);
  });

  it("external mode waits for connectionAuthenticated; a second one is a protocol error", () => {
    const e = makeEngine({ config: { security: { mode: "external" } } });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    const a1 = e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    expect(kinds(a1, conn)).toEqual([]);
    const a2 = e.handle({ type: "connectionAuthenticated", conn }, 0);
    expect(kinds(a2, conn)).toEqual(["Connect"]);
    const a3 = e.handle({ type: "connectionAuthenticated", conn }, 0);
    expect(ofType(a3, "abort")).toHaveLength(1);
  });
});

describe("§3.1.6.4 MaxNeighborCount", () => {
  it("a Welcome arriving after incoming links filled the node is answered with Disconnect NodeBusy", () => {
    const e = makeEngine({ config: { maxNeighbors: 3, idealNeighbors: 3 } });
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 0);
    for (let i = 10; i < 13; i++) acceptFrom(e, BigInt(i), addr(i));
    const a = recv(e, conn, { kind: "Welcome", NodeId: 5n, Referrals: [] });
    expect(sentOn(a, conn)[0]).toMatchObject({ kind: "Disconnect", Reason: "NodeBusy" });
    expect(e.neighborCount).toBe(3);
  });

  it("§3.1.3.1 a new Connected link starts with LinkUtilityIndex zero and empty LinkUtilityInfo", () => {
    const e = makeEngine();
    open(e);
    acceptFrom(e, 2n, addr(2));
    const n = e.neighbors()[0]!;
    expect(n.utility).toBe(0);
    expect(n.utilityUpdates).toBe(0);
    expect(n.received).toEqual({ Useful: 0, Total: 0 });
  });
});
