import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MeshEvent, PeerMessage } from "../src/index.js";
import { addr, makeEngine, open, VIA } from "./helpers.js";

/** Values of the right shape, the wrong shape, and nonsense. */
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.bigInt({ min: -2n, max: 1n << 65n }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    "net.tcp://x/y",
    VIA,
    "urn:uuid:11111111-2222-4333-8444-555555555555",
    "PeerFlooder",
  ),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.constant(addr(9)),
  fc.constant([{ NodeId: 5n, Address: addr(5) }]),
);

const message: fc.Arbitrary<PeerMessage<string>> = fc
  .record({
    kind: fc.constantFrom(
      "Connect",
      "Welcome",
      "Refuse",
      "Disconnect",
      "LinkUtility",
      "Ping",
      "Fault",
      "RequestSecurityToken",
      "RequestSecurityTokenResponse",
      "Flood",
      "Bogus",
    ),
    NodeId: fc.oneof(fc.bigInt({ min: 0n, max: 20n }), junk),
    Address: fc.oneof(fc.constantFrom(addr(3), addr(4)), junk),
    Referrals: junk,
    Reason: fc.oneof(fc.constantFrom("NodeBusy", "LeavingMesh", "DuplicateNeighbor"), junk),
    Useful: fc.oneof(fc.integer({ min: -1, max: 40 }), junk),
    Total: fc.oneof(fc.integer({ min: -1, max: 40 }), junk),
    MessageID: junk,
    FloodMessage: junk,
    PeerVia: junk,
    PeerTo: junk,
    Hops: junk,
    size: fc.oneof(fc.integer({ min: 0, max: 100_000 }), junk),
    Authenticator: junk,
    Status: junk,
    payload: fc.string(),
  })
  .map((m) => m as unknown as PeerMessage<string>);

const event = (conns: number): fc.Arbitrary<MeshEvent<string>> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ conn: fc.integer({ min: 1, max: conns }), msg: message })
        .map(({ conn, msg }) => ({ type: "messageReceived", conn, msg }) as MeshEvent<string>),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: conns })
        .map((conn) => ({ type: "connectionClosed", conn }) as MeshEvent<string>),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("maintenance", "message-cache", "throttle", "handshake:1", "utility:2")
        .map((id) => ({ type: "timerFired", id }) as MeshEvent<string>),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          total: fc.integer({ min: 0, max: 300 }),
          p: fc.integer({ min: 0, max: 300 }),
          conn: fc.integer({ min: 1, max: conns }),
        })
        .map(
          ({ total, p, conn }) =>
            ({ type: "backlog", total, connections: [[conn, p]] }) as MeshEvent<string>,
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.oneof(fc.constant(addr(6)), fc.constant(addr(7)), junk), { maxLength: 3 })
        .map(
          (addresses) => ({ type: "resolverResolved", addresses }) as unknown as MeshEvent<string>,
        ),
    },
  );

describe("untrusted input never throws (fuzz)", () => {
  it("random message sequences on established and half-open links only close or abort links", () => {
    fc.assert(
      fc.property(
        fc.array(event(6), { maxLength: 60 }),
        fc.integer({ min: 0, max: 1000 }),
        (events, seed) => {
          const e = makeEngine({ seed, config: { maxNeighbors: 4, idealNeighbors: 3 } });
          open(e);
          for (let i = 0; i < 6; i++) {
            const conn = e.newConnectionId();
            e.handle({ type: "connectionOpened", conn, direction: "incoming" }, 0);
            if (i < 3) {
              e.handle(
                {
                  type: "messageReceived",
                  conn,
                  msg: { kind: "Connect", NodeId: BigInt(100 + i), Address: addr(100 + i) },
                },
                0,
              );
            }
          }
          let now = 0;
          for (const ev of events) {
            now += 1000;
            const actions = e.handle(ev, now);
            for (const a of actions) expect(typeof a.type).toBe("string");
            expect(e.neighborCount).toBeLessThanOrEqual(4);
            expect(e.neighborCount).toBe(
              e.neighbors().filter((n) => n.state === "Connected").length,
            );
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
