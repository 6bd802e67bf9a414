import { describe, expect, it } from "vitest";
import { messageKeyOf } from "../src/index.js";
import { acceptFrom, addr, flood, kinds, makeEngine, ofType, open, recv, VIA } from "./helpers.js";

function threeNeighbors(config = {}) {
  const e = makeEngine({ config, channels: [{ via: VIA }] });
  open(e);
  const conns = [2, 3, 4].map((i) => acceptFrom(e, BigInt(i), addr(i)).conn);
  return { e, conns: conns as [number, number, number] };
}

describe("§3.1.5.9 FloodMessage", () => {
  it("MUST drop the message and close the link when it is not Connected", () => {
    const e = makeEngine();
    open(e);
    const conn = e.newConnectionId();
    e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
    const a = recv(e, conn, flood());
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "close").map((c) => c.conn)).toEqual([conn]);
  });

  it("MUST drop and close (Windows: abort) on a missing or wrong FloodMessage header", () => {
    const { e, conns } = threeNeighbors();
    const a = recv(e, conns[0], flood({ FloodMessage: "Flooder" }));
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "flood")).toEqual([]);
    expect(ofType(a, "abort").map((c) => c.conn)).toEqual([conns[0]]);
  });

  it("MUST drop and close on a PeerVia that is not a valid URI", () => {
    const { e, conns } = threeNeighbors();
    const a = recv(e, conns[0], flood({ PeerVia: "not a uri" }));
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "abort")).toHaveLength(1);
  });

  it("aborts the neighbor on a non-GUID MessageID (Windows)", () => {
    const { e, conns } = threeNeighbors();
    const a = recv(e, conns[0], flood({ MessageID: "urn:uuid:nope" }));
    expect(ofType(a, "abort")).toHaveLength(1);
  });

  it("takes exactly urn:uuid:{8-4-4-4-12 hex} as a MessageID; case does not make a new message", () => {
    const good = "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e";
    for (const bad of [
      "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950",
      "urn:uuid:0f8fad5bd-9cb-469f-a165-70867728950e",
      "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950g",
      "URN:UUID:0f8fad5b-d9cb-469f-a165-70867728950e",
      "urn:uuid:{0f8fad5b-d9cb-469f-a165-70867728950e}",
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    ]) {
      const { e, conns } = threeNeighbors();
      expect(ofType(recv(e, conns[0], flood({ MessageID: bad })), "abort"), bad).toHaveLength(1);
    }
    const { e, conns } = threeNeighbors();
    expect(ofType(recv(e, conns[0], flood({ MessageID: good })), "deliver")).toHaveLength(1);
    const again = recv(
      e,
      conns[1],
      flood({ MessageID: good.toUpperCase().replace("URN:UUID:", "urn:uuid:") }),
    );
    expect(ofType(again, "deliver")).toEqual([]);
    expect(ofType(again, "abort")).toEqual([]);
  });

  it("MUST deliver to the locally registered channel (case-insensitive Via) and forward to every other Connected neighbor", () => {
    const { e, conns } = threeNeighbors();
    const m = flood({ PeerVia: VIA.toUpperCase().replace("NET.P2P", "net.p2p") });
    const a = recv(e, conns[0], m);
    expect(ofType(a, "deliver")).toEqual([{ type: "deliver", channel: VIA, msg: m }]);
    const f = ofType(a, "flood");
    expect(f).toHaveLength(1);
    expect(f[0]!.conns).toEqual([conns[1], conns[2]]);
    // forwarded without re-encoding: the same object (same payload handle)
    expect(f[0]!.msg).toBe(m);
  });

  it("does not deliver a message for an unregistered channel, but still forwards it", () => {
    const { e, conns } = threeNeighbors();
    const a = recv(e, conns[0], flood({ PeerVia: "net.p2p://TestMesh/other" }));
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "flood")).toHaveLength(1);
  });

  it("does not deliver a message larger than the channel limit (Windows)", () => {
    const e = makeEngine({ channels: [{ via: VIA, maxMessageSize: 50 }] });
    open(e);
    const c = acceptFrom(e, 2n, addr(2)).conn;
    acceptFrom(e, 3n, addr(3));
    const a = recv(e, c, flood({ size: 51 }));
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "flood")).toHaveLength(1);
  });

  it("MUST NOT forward (or deliver) a duplicate; the duplicate counts as not useful", () => {
    const { e, conns } = threeNeighbors();
    const m = flood();
    recv(e, conns[0], m);
    const a = recv(e, conns[1], { ...m, payload: "copy" });
    expect(ofType(a, "deliver")).toEqual([]);
    expect(ofType(a, "flood")).toEqual([]);
    const n1 = e.neighbors().find((n) => n.conn === conns[1])!;
    const n0 = e.neighbors().find((n) => n.conn === conns[0])!;
    expect(n1.utilityUpdates).toBe(1);
    expect(n1.utility).toBe(0);
    expect(n0.utility).toBe(128);
    expect(e.stats().duplicates).toBe(1);
  });

  it("keys duplicates by the 16 GUID bytes in UniqueId order (WINDOWS-NOTES §1.3)", () => {
    // .NET Guid.ToByteArray: Data1, Data2, Data3 little-endian, then the last 8 bytes as written.
    const key = messageKeyOf("urn:uuid:00112233-4455-6677-8899-AABBCCDDEEFF");
    expect(key && [...key].map((c) => c.charCodeAt(0))).toEqual([
      0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
      0xff,
    ]);
    expect(messageKeyOf("urn:uuid:00112233-4455-6677-8899-aabbccddeeff")).toBe(key);
    for (const bad of [
      "urn:uuid:00112233-4455-6677-8899-aabbccddeefg",
      "00112233-4455-6677-8899-aabbccddeeff",
      7,
    ]) {
      expect(messageKeyOf(bad)).toBeUndefined();
    }
    // A copy known by its bytes (a host's scan) and one known by its text are one message.
    const { e, conns } = threeNeighbors();
    const m = flood();
    recv(e, conns[0], {
      ...m,
      MessageID: "urn:uuid:not-a-guid",
      messageKey: messageKeyOf(m.MessageID),
    });
    const a = recv(e, conns[1], { ...m, payload: "copy" });
    expect(ofType(a, "deliver")).toEqual([]);
    expect(e.stats().duplicates).toBe(1);
    // A key of the wrong size is not trusted: MessageID decides (here: malformed, so abort).
    const b = recv(e, conns[2], { ...flood(), MessageID: "urn:uuid:x", messageKey: "short" });
    expect(ofType(b, "abort").map((x) => x.conn)).toEqual([conns[2]]);
  });

  it("MessageIDs differing only in case are the same message", () => {
    const { e, conns } = threeNeighbors();
    const m = flood();
    recv(e, conns[0], m);
    const a = recv(e, conns[1], {
      ...m,
      MessageID: m.MessageID.toUpperCase().replace("URN:UUID:", "urn:uuid:"),
    });
    expect(ofType(a, "flood")).toEqual([]);
  });

  it("SHOULD lower utility more for a duplicate first seen more than 2 minutes (buckets) ago", () => {
    const { e, conns } = threeNeighbors();
    const m = flood();
    recv(e, conns[0], m, 0);
    for (let t = 1; t <= 3; t++) e.handle({ type: "timerFired", id: "message-cache" }, t * 60_000);
    recv(e, conns[1], m, 200_000);
    const n1 = e.neighbors().find((n) => n.conn === conns[1])!;
    expect(n1.utilityUpdates).toBe(2);
  });

  it("the MessageId cache forgets ids after 5 rotations (4–5 minutes, Windows)", () => {
    const { e, conns } = threeNeighbors();
    const m = flood();
    recv(e, conns[0], m, 0);
    for (let t = 1; t <= 4; t++) e.handle({ type: "timerFired", id: "message-cache" }, t * 60_000);
    expect(ofType(recv(e, conns[1], m, 241_000), "flood")).toEqual([]);
    e.handle({ type: "timerFired", id: "message-cache" }, 300_000);
    expect(ofType(recv(e, conns[1], m, 301_000), "flood")).toHaveLength(1);
  });

  describe("hop count (Hops in ns/HopCount)", () => {
    it("decrements the header and forwards while the result is above zero", () => {
      const { e, conns } = threeNeighbors();
      const a = recv(e, conns[0], flood({ Hops: 3n }));
      const f = ofType(a, "flood")[0]!;
      expect(f.msg.Hops).toBe(2n);
      expect(ofType(a, "deliver")).toHaveLength(1);
    });

    it("delivers but does not forward when the decremented value reaches zero", () => {
      const { e, conns } = threeNeighbors();
      const a = recv(e, conns[0], flood({ Hops: 1n }));
      expect(ofType(a, "flood")).toEqual([]);
      expect(ofType(a, "deliver")).toHaveLength(1);
      const z = recv(e, conns[0], flood({ Hops: 0n }));
      expect(ofType(z, "flood")).toEqual([]);
    });

    it("parses a textual value", () => {
      const { e, conns } = threeNeighbors();
      const a = recv(e, conns[0], flood({ Hops: "5" }));
      expect(ofType(a, "flood")[0]!.msg.Hops).toBe(4n);
    });

    it("an unparseable value is ignored and the message forwarded as is (Windows)", () => {
      const { e, conns } = threeNeighbors();
      const m = flood({ Hops: "many" });
      const a = recv(e, conns[0], m);
      expect(ofType(a, "flood")[0]!.msg).toBe(m);
      expect(ofType(a, "abort")).toEqual([]);
    });

    it("MUST abort on an invalid value when strictHopCount follows the spec", () => {
      const { e, conns } = threeNeighbors({ strictHopCount: true });
      const a = recv(e, conns[0], flood({ Hops: "-1" }));
      expect(ofType(a, "abort")).toHaveLength(1);
      expect(ofType(a, "deliver")).toEqual([]);
    });
  });

  describe("signed channels", () => {
    function signed() {
      const e = makeEngine({ channels: [{ via: VIA, signed: true }] });
      open(e);
      const conns = [2, 3, 4].map((i) => acceptFrom(e, BigInt(i), addr(i)).conn);
      return { e, conns };
    }

    it("uses the signature value as the dedup key", () => {
      const { e, conns } = signed();
      const sig = new Uint8Array([1, 2, 3]);
      recv(e, conns[0]!, flood({ Signature: sig, SignatureValid: true }));
      // a different MessageID with the same signature is a duplicate
      const a = recv(e, conns[1]!, flood({ Signature: sig, SignatureValid: true }));
      expect(ofType(a, "flood")).toEqual([]);
      // same MessageID, different signature: a new message
      const m = flood({ Signature: new Uint8Array([9]), SignatureValid: true });
      recv(e, conns[0]!, m);
      const b = recv(e, conns[1]!, { ...m, Signature: new Uint8Array([8]) });
      expect(ofType(b, "deliver")).toHaveLength(1);
    });

    it("a message failing the signature check is forwarded but not delivered (Windows; the spec aborts)", () => {
      const { e, conns } = signed();
      const a = recv(
        e,
        conns[0]!,
        flood({ Signature: new Uint8Array([1]), SignatureValid: false }),
      );
      expect(ofType(a, "deliver")).toEqual([]);
      expect(ofType(a, "flood")).toHaveLength(1);
      const b = recv(e, conns[0]!, flood());
      expect(ofType(b, "deliver")).toEqual([]);
    });
  });

  it("sends LinkUtility after 32 received floods and resets the counters (§3.2.4.1.1)", () => {
    const { e, conns } = threeNeighbors();
    let lu: unknown[] = [];
    for (let i = 0; i < 32; i++) {
      const m = flood();
      const a = recv(e, conns[0], m);
      if (i < 31) expect(kinds(a, conns[0])).toEqual([]);
      else lu = kinds(a, conns[0]);
      if (i % 4 === 0) recv(e, conns[1], m); // duplicates on another link
    }
    expect(lu).toEqual(["LinkUtility"]);
    expect(e.stats().linkUtilitySent).toBe(1);
    const n0 = e.neighbors().find((n) => n.conn === conns[0])!;
    expect(n0.utilityUpdates).toBe(32);
  });

  it("the LinkUtility message carries Useful and Total of the link", () => {
    const { e, conns } = threeNeighbors();
    const out: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const m = flood();
      recv(e, conns[0], m);
      out.push(...recv(e, conns[1], m).filter((a) => a.type === "send"));
    }
    // conns[1] received 40 duplicates: one LinkUtility with Useful 0, Total 32
    expect(out).toEqual([
      { type: "send", conn: conns[1], msg: { kind: "LinkUtility", Useful: 0, Total: 32 } },
    ]);
  });
});

describe("§3.2.4.1 sending", () => {
  it("adds MessageID (urn:uuid GUID), FloodMessage, PeerVia and PeerTo (= PeerVia by default)", () => {
    const { e, conns } = threeNeighbors();
    const a = e.handle({ type: "send", message: { via: VIA, size: 10, payload: "x" } }, 0);
    const f = ofType(a, "flood")[0]!;
    expect(f.conns).toEqual(conns);
    expect(f.msg.MessageID).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(f.msg.FloodMessage).toBe("PeerFlooder");
    expect(f.msg.PeerVia).toBe(VIA);
    expect(f.msg.PeerTo).toBe(VIA);
    expect(f.msg.Hops).toBeUndefined();
  });

  it("records its own message so an echo is a duplicate, and loops back to the local channel", () => {
    const { e, conns } = threeNeighbors();
    const a = e.handle({ type: "send", message: { via: VIA, size: 10, payload: "x" } }, 0);
    expect(ofType(a, "deliver")).toHaveLength(1);
    const f = ofType(a, "flood")[0]!;
    const echo = recv(e, conns[0], { ...f.msg });
    expect(ofType(echo, "deliver")).toEqual([]);
    expect(ofType(echo, "flood")).toEqual([]);
  });

  it("MessageIDs are unique per message", () => {
    const { e } = threeNeighbors();
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const a = e.handle({ type: "send", message: { via: VIA, size: 1, payload: "" } }, 0);
      ids.add(ofType(a, "flood")[0]!.msg.MessageID);
    }
    expect(ids.size).toBe(300);
  });

  it("publishing with zero neighbors succeeds silently (Windows)", () => {
    const e = makeEngine({ config: { loopback: false } });
    open(e);
    expect(e.handle({ type: "send", message: { via: VIA, size: 1, payload: "" } }, 0)).toEqual([]);
  });

  it("counts sent floods as unacknowledged per neighbor", () => {
    const { e } = threeNeighbors();
    for (let i = 0; i < 5; i++)
      e.handle({ type: "send", message: { via: VIA, size: 1, payload: "" } }, 0);
    expect(e.neighbors().map((n) => n.unacknowledged)).toEqual([5, 5, 5]);
  });
});
