import { describe, expect, it } from "vitest";
import {
  acceptFrom,
  addr,
  dialTo,
  flood,
  kinds,
  makeEngine,
  ofType,
  open,
  recv,
  sentOn,
  VIA,
} from "./helpers.js";

describe("§3.1.5.6 LinkUtility (receiver)", () => {
  function withSends(k: number) {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    for (let i = 0; i < k; i++)
      e.handle({ type: "send", message: { via: VIA, size: 1, payload: "" } }, 0);
    return { e, conn };
  }

  it("MUST abort when the link is not Connected", () => {
    const e = makeEngine();
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    expect(
      ofType(recv(e, conn, { kind: "LinkUtility", Useful: 0, Total: 0 }), "abort"),
    ).toHaveLength(1);
  });

  it("MUST abort when Total exceeds the messages we sent", () => {
    const { e, conn } = withSends(3);
    expect(
      ofType(recv(e, conn, { kind: "LinkUtility", Useful: 1, Total: 4 }), "abort"),
    ).toHaveLength(1);
  });

  it("MUST abort when Useful exceeds Total", () => {
    const { e, conn } = withSends(10);
    expect(
      ofType(recv(e, conn, { kind: "LinkUtility", Useful: 5, Total: 4 }), "abort"),
    ).toHaveLength(1);
  });

  it("MUST abort when Total exceeds 32", () => {
    const { e, conn } = withSends(40);
    expect(
      ofType(recv(e, conn, { kind: "LinkUtility", Useful: 33, Total: 33 }), "abort"),
    ).toHaveLength(1);
  });

  it("adjusts the LinkUtilityIndex and the messages pending acknowledgement", () => {
    const { e, conn } = withSends(40);
    expect(recv(e, conn, { kind: "LinkUtility", Useful: 30, Total: 32 })).toEqual([]);
    const n = e.neighbors()[0]!;
    expect(n.unacknowledged).toBe(8);
    expect(n.utilityUpdates).toBe(32);
    expect(n.utility).toBeGreaterThan(0);
    // the remaining 8 can be acknowledged, but not 9
    expect(
      ofType(recv(e, conn, { kind: "LinkUtility", Useful: 0, Total: 9 }), "abort"),
    ).toHaveLength(1);
  });
});

describe("§3.1.6.3 LinkUtility timer (Windows 30 s)", () => {
  it("is armed when a link becomes Connected", () => {
    const e = makeEngine();
    open(e);
    const { conn, actions } = acceptFrom(e, 2n, addr(2), 1000);
    expect(ofType(actions, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `utility:${conn}`,
      at: 31_000,
    });
  });

  it("sends the current counters when messages arrived, and MUST NOT send when none did", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    acceptFrom(e, 3n, addr(3));
    const quiet = e.handle({ type: "timerFired", id: `utility:${conn}` }, 30_000);
    expect(kinds(quiet, conn)).toEqual([]);
    expect(ofType(quiet, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `utility:${conn}`,
      at: 60_000,
    });
    recv(e, conn, flood(), 31_000);
    const busy = e.handle({ type: "timerFired", id: `utility:${conn}` }, 60_000);
    expect(ofType(busy, "send")).toEqual([
      { type: "send", conn, msg: { kind: "LinkUtility", Useful: 1, Total: 1 } },
    ]);
    const again = e.handle({ type: "timerFired", id: `utility:${conn}` }, 90_000);
    expect(kinds(again, conn)).toEqual([]);
  });
});

describe("§3.1.6.1/§3.1.6.2 handshake timers", () => {
  it("the Connect handshake timer (60 s) aborts a link stuck in Authenticated and deletes its state", () => {
    const e = makeEngine();
    open(e);
    const conn = e.newConnectionId();
    const a = e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 500);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `handshake:${conn}`,
      at: 60_500,
    });
    const t = e.handle({ type: "timerFired", id: `handshake:${conn}` }, 60_500);
    expect(ofType(t, "abort")[0]).toMatchObject({ conn, reason: "HandshakeTimeout" });
    expect(e.neighbors()).toEqual([]);
    // messages on the deleted link are dropped
    expect(recv(e, conn, { kind: "Connect", NodeId: 3n, Address: addr(3) }, 61_000)).toEqual([]);
  });

  it("the security handshake timer (Windows 2 min) aborts a link never authenticated", () => {
    const e = makeEngine({ config: { security: { mode: "external" } } });
    open(e);
    const conn = e.newConnectionId();
    const a = e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `handshake:${conn}`,
      at: 120_000,
    });
    // A fire a second early does nothing but ask the host for the timer again.
    expect(e.handle({ type: "timerFired", id: `handshake:${conn}` }, 119_000)).toEqual([
      { type: "setTimer", id: `handshake:${conn}`, at: 120_000 },
    ]);
    expect(
      ofType(e.handle({ type: "timerFired", id: `handshake:${conn}` }, 120_000), "abort"),
    ).toHaveLength(1);
  });

  it("the connect timer covers an outgoing TCP connect that never completes", () => {
    const e = makeEngine();
    open(e);
    const r = e.handle({ type: "resolverResolved", addresses: [addr(5)] }, 0);
    const conn = ofType(r, "connect")[0]!.conn;
    expect(ofType(r, "setTimer")).toContainEqual({
      type: "setTimer",
      id: `handshake:${conn}`,
      at: 60_000,
    });
    const t = e.handle({ type: "timerFired", id: `handshake:${conn}` }, 60_000);
    expect(ofType(t, "abort")).toHaveLength(1);
    // a late connectionOpened for the abandoned connect is dropped
    const late = e.handle({ type: "connectionOpened", conn, direction: "outgoing" }, 61_000);
    expect(ofType(late, "abort")).toHaveLength(1);
  });

  it("a Connected link cancels its handshake timer", () => {
    const e = makeEngine();
    open(e);
    const { conn, actions } = acceptFrom(e, 2n, addr(2));
    expect(ofType(actions, "cancelTimer")).toContainEqual({
      type: "cancelTimer",
      id: `handshake:${conn}`,
    });
    expect(e.armedTimers().has(`handshake:${conn}`)).toBe(false);
  });
});

describe("§3.1.2 / §3.1.6.4 maintenance", () => {
  it("open registers with the resolver and triggers maintenance immediately (§3.1.4.1)", () => {
    const e = makeEngine();
    const a = e.handle({ type: "open" }, 5);
    expect(a[0]).toEqual({ type: "register", meshName: "TestMesh", address: e.localAddress });
    expect(ofType(a, "setTimer")).toContainEqual({ type: "setTimer", id: "maintenance", at: 5 });
  });

  it("the first run resolves and aims for MinNeighborCount; alone → retry after 10 s", () => {
    const e = makeEngine();
    e.handle({ type: "open" }, 0);
    const a = e.handle({ type: "timerFired", id: "maintenance" }, 0);
    expect(ofType(a, "resolve")).toEqual([
      { type: "resolve", meshName: "TestMesh", maxAddresses: 3 },
    ]);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: "maintenance",
      at: 10_000,
    });
    const r = e.handle({ type: "resolverResolved", addresses: [addr(2), addr(3), addr(4)] }, 1);
    expect(ofType(r, "connect")).toHaveLength(2);
  });

  it("uses the Referral cache first, then the resolver (§3.1.6.4.1)", () => {
    const e = makeEngine();
    open(e);
    dialTo(e, 2n, addr(2));
    const { conn } = acceptFrom(e, 9n, addr(9));
    recv(e, conn, {
      kind: "Disconnect",
      Reason: "NodeBusy",
      Referrals: [{ NodeId: 7n, Address: addr(7) }],
    });
    // second run aims for Ideal (3): one from the cache, then the resolver
    const a = e.handle({ type: "timerFired", id: "maintenance" }, 10_000);
    const connects = ofType(a, "connect");
    expect(connects.map((c) => c.address)).toEqual([addr(7)]);
    expect(ofType(a, "resolve")).toHaveLength(1);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: "maintenance",
      at: 310_000,
    });
  });

  it("never connects to itself or to a node it already has a link with", () => {
    const e = makeEngine({ self: 1 });
    open(e);
    dialTo(e, 2n, addr(2));
    const a = e.handle({ type: "resolverResolved", addresses: [addr(1), addr(2)] }, 0);
    expect(ofType(a, "connect")).toEqual([]);
  });

  it("SHOULD run maintenance at once when Connected neighbors fall below MinNeighborCount", () => {
    const e = makeEngine();
    open(e);
    const c2 = acceptFrom(e, 2n, addr(2), 0).conn;
    acceptFrom(e, 3n, addr(3), 0);
    e.handle({ type: "timerFired", id: "maintenance" }, 10_000);
    expect(e.armedTimers().get("maintenance")).toBe(310_000);
    const a = e.handle({ type: "connectionClosed", conn: c2 }, 50_000);
    expect(ofType(a, "neighborRemoved")).toHaveLength(1);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: "maintenance",
      at: 50_000,
    });
  });

  it("prunes the least useful trusted neighbor with Disconnect NotUsefulNeighbor down to Ideal (§3.1.6.4.2)", () => {
    const e = makeEngine({ config: { idealNeighbors: 3 } });
    open(e);
    const conns = [2, 3, 4, 5, 6].map((i) => acceptFrom(e, BigInt(i), addr(i)).conn);
    // conns[0..3] earn trust (32+ updates); conns[1] and conns[2] mostly duplicates; conns[4] untrusted
    for (let i = 0; i < 40; i++) {
      const m = flood();
      recv(e, conns[0]!, m);
      recv(e, conns[1]!, m);
      recv(e, conns[2]!, m);
      const m2 = flood();
      recv(e, conns[3]!, m2);
      if (i % 2 === 0) recv(e, conns[2]!, flood());
    }
    const a = e.handle({ type: "timerFired", id: "maintenance" }, 10_000);
    const disc = ofType(a, "send").filter((s) => s.msg.kind === "Disconnect");
    expect(disc.map((d) => d.conn)).toEqual([conns[1], conns[2]]);
    expect(
      disc.every((d) => d.msg.kind === "Disconnect" && d.msg.Reason === "NotUsefulNeighbor"),
    ).toBe(true);
    expect(e.neighborCount).toBe(3);
    expect(e.stats().pruned).toBe(2);
  });

  it("does not prune neighbors whose utility is not yet trusted (< 32 updates)", () => {
    const e = makeEngine();
    open(e);
    for (let i = 2; i <= 6; i++) acceptFrom(e, BigInt(i), addr(i));
    const a = e.handle({ type: "timerFired", id: "maintenance" }, 10_000);
    expect(ofType(a, "send")).toEqual([]);
    expect(e.neighborCount).toBe(5);
  });

  it("does nothing at IdealNeighborCount except re-arming the 5-minute timer", () => {
    const e = makeEngine();
    open(e);
    for (let i = 2; i <= 4; i++) acceptFrom(e, BigInt(i), addr(i));
    const a = e.handle({ type: "timerFired", id: "maintenance" }, 10_000);
    expect(a).toEqual([{ type: "setTimer", id: "maintenance", at: 310_000 }]);
  });

  it("a stale or early timer fire runs nothing and asks for the same deadline again", () => {
    const e = makeEngine();
    const opened = open(e);
    const at = ofType(opened, "setTimer").findLast((t) => t.id === "maintenance")?.at;
    expect(at).toBeGreaterThan(5_000);
    // The host's timer is spent; without the re-arm maintenance would never run again.
    expect(e.handle({ type: "timerFired", id: "maintenance" }, 5_000)).toEqual([
      { type: "setTimer", id: "maintenance", at },
    ]);
    expect(ofType(e.handle({ type: "timerFired", id: "maintenance" }, at!), "setTimer")).toEqual([
      { type: "setTimer", id: "maintenance", at: at! + 10_000 },
    ]);
  });
});

describe("§3.1.4.3 closing a node", () => {
  it("SHOULD send Disconnect LeavingMesh to every neighbor, close links, and unregister", () => {
    const e = makeEngine();
    open(e);
    const c2 = acceptFrom(e, 2n, addr(2)).conn;
    const c3 = acceptFrom(e, 3n, addr(3)).conn;
    const half = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn: half, direction: "incoming" }, 0);
    const a = e.handle({ type: "close" }, 1);
    expect(sentOn(a, c2)[0]).toMatchObject({ kind: "Disconnect", Reason: "LeavingMesh" });
    expect(sentOn(a, c3)[0]).toMatchObject({ kind: "Disconnect", Reason: "LeavingMesh" });
    expect(sentOn(a, half)).toEqual([]);
    expect(
      ofType(a, "close")
        .map((c) => c.conn)
        .sort(),
    ).toEqual([c2, c3, half].sort());
    expect(a.at(-1)).toEqual({ type: "unregister", meshName: "TestMesh" });
    expect(ofType(a, "offline")).toHaveLength(1);
    expect(e.armedTimers().size).toBe(0);
    // after close nothing happens
    expect(e.handle({ type: "timerFired", id: "maintenance" }, 10_000)).toEqual([]);
    const late = e.newConnectionId();
    expect(
      ofType(e.handle({ type: "connectionOpened", conn: late, direction: "incoming" }, 2), "abort"),
    ).toHaveLength(1);
  });
});

describe("address change and resume (Windows)", () => {
  it("an IP change sends Update to the resolver and pings every neighbor", () => {
    const e = makeEngine();
    open(e);
    const c = acceptFrom(e, 2n, addr(2)).conn;
    const a = e.handle({ type: "addressChanged", address: addr(50) }, 0);
    expect(a).toEqual([
      { type: "update", meshName: "TestMesh", address: addr(50) },
      { type: "send", conn: c, msg: { kind: "Ping" } },
    ]);
  });

  it("resume from standby pings every neighbor", () => {
    const e = makeEngine();
    open(e);
    const c = acceptFrom(e, 2n, addr(2)).conn;
    expect(e.handle({ type: "resumed" }, 0)).toEqual([
      { type: "send", conn: c, msg: { kind: "Ping" } },
    ]);
  });
});

describe("§3.1.1 timers and counters kept for the node's lifetime", () => {
  it("the MessageID cache timer runs every minute (SHOULD 1 minute)", () => {
    const e = makeEngine();
    const a = e.handle({ type: "open" }, 0);
    expect(ofType(a, "setTimer")).toContainEqual({
      type: "setTimer",
      id: "message-cache",
      at: 60_000,
    });
    const b = e.handle({ type: "timerFired", id: "message-cache" }, 60_000);
    expect(b).toEqual([{ type: "setTimer", id: "message-cache", at: 120_000 }]);
  });

  it("§3.1.4.2 the LinkUtilityIndex is cumulative and never reset when LinkUtility is sent", () => {
    const e = makeEngine();
    open(e);
    const { conn } = acceptFrom(e, 2n, addr(2));
    for (let i = 0; i < 40; i++) recv(e, conn, flood());
    const n = e.neighbors()[0]!;
    expect(n.utilityUpdates).toBe(40);
    expect(n.received).toEqual({ Useful: 8, Total: 8 });
  });
});

describe("§3.1.6.4 Referral Sharing mode off", () => {
  it("MUST use the discovery service even when the Referral cache has entries", () => {
    const e = makeEngine({ config: { shareReferrals: false } });
    e.referrals.add(addr(7), 7n);
    const a = open(e);
    expect(ofType(a, "connect")).toEqual([]);
    expect(ofType(a, "resolve")).toHaveLength(1);
  });

  it("the resolver can switch referral sharing off at registration", () => {
    const e = makeEngine();
    open(e);
    e.handle({ type: "resolverRegistered", shareReferrals: false }, 0);
    acceptFrom(e, 2n, addr(2));
    const { conn, actions } = acceptFrom(e, 3n, addr(3));
    expect(sentOn(actions, conn)[0]).toMatchObject({ kind: "Welcome", Referrals: [] });
  });
});

describe("maintenance connect loop (Windows ConnectAlgorithms)", () => {
  it("keeps trying referrals after refusals, but at most connectAttemptsPerMaintenance per run", () => {
    const e = makeEngine({ config: { connectAttemptsPerMaintenance: 5 } });
    open(e);
    let pending = ofType(
      e.handle({ type: "resolverResolved", addresses: [addr(2)] }, 0),
      "connect",
    );
    let attempts = pending.length;
    for (let round = 0; round < 50 && pending.length > 0; round++) {
      const next: typeof pending = [];
      for (const c of pending) {
        e.handle({ type: "connectionOpened", conn: c.conn, direction: "outgoing" }, 0);
        const r = 100 + round * 10;
        const a = recv(e, c.conn, {
          kind: "Refuse",
          Reason: "NodeBusy",
          Referrals: [0, 1, 2].map((k) => ({ NodeId: BigInt(r + k), Address: addr(r + k) })),
        });
        next.push(...ofType(a, "connect"));
      }
      attempts += next.length;
      pending = next;
    }
    expect(attempts).toBe(5);
    expect(e.neighborCount).toBe(0);
  });
});

describe("timer fires from real hosts", () => {
  it("accepts a fire a few ms early (timer clock granularity); a stale one only re-arms", () => {
    const e = makeEngine();
    open(e, 0.6);
    // maintenance re-armed at 10 000.6; a libuv timer may fire at 10 000.2 on our clock
    const early = e.handle({ type: "timerFired", id: "maintenance" }, 10_000.2);
    expect(ofType(early, "setTimer")).toEqual([
      { type: "setTimer", id: "maintenance", at: 20_000.2 },
    ]);
    // A fire long before the next deadline only re-arms it (same deadline, nothing run).
    const stale = e.handle({ type: "timerFired", id: "maintenance" }, 15_000);
    expect(stale).toEqual([{ type: "setTimer", id: "maintenance", at: 20_000.2 }]);
  });
});

describe("§3.1.4.3 closing: referrals", () => {
  it("every LeavingMesh Disconnect refers the node's other neighbors", () => {
    const e = makeEngine();
    open(e);
    const conns = [2, 3, 4].map((i) => acceptFrom(e, BigInt(i), addr(i)).conn);
    const a = e.handle({ type: "close" }, 1);
    for (const [k, c] of conns.entries()) {
      const d = sentOn(a, c)[0];
      expect(d?.kind).toBe("Disconnect");
      const ids = d?.kind === "Disconnect" ? d.Referrals.map((r) => r.NodeId) : [];
      expect(ids.sort()).toEqual([2n, 3n, 4n].filter((x) => x !== BigInt(k + 2)).sort());
    }
  });
});
