import { messageKeyOf, type PeerMessage } from "@prch/mesh-core";
import {
  addFloodHeaders,
  BinaryMessageEncoder,
  Message,
  PEER_ACTIONS,
  scanFlood,
  TextMessageEncoder,
} from "@prch/soap";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerNodeError } from "../src/errors.js";
import { fromSoapMessage, type Payload, toSoapMessage } from "../src/wire.js";

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const address = fc.record({
  EndpointAddress: fc.uuid().map((g) => `net.tcp://host:31337/PeerChannelEndpoints/${g}`),
  IPAddresses: fc.array(fc.oneof(ipv4, fc.constant("fe80::1%3"), fc.constant("2001:db8::7")), {
    minLength: 1,
    maxLength: 4,
  }),
});
const nodeId = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });
const referrals = fc.array(fc.record({ NodeId: nodeId, Address: address }), { maxLength: 10 });

const peerMessage: fc.Arbitrary<PeerMessage<Payload>> = fc.oneof(
  fc.record({ kind: fc.constant("Connect" as const), NodeId: nodeId, Address: address }),
  fc.record({ kind: fc.constant("Welcome" as const), NodeId: nodeId, Referrals: referrals }),
  fc.record({
    kind: fc.constant("Refuse" as const),
    Reason: fc.constantFrom("DuplicateNeighbor", "DuplicateNodeId", "NodeBusy"),
    Referrals: referrals,
  }),
  fc.record({
    kind: fc.constant("Disconnect" as const),
    Reason: fc.constantFrom(
      "LeavingMesh",
      "NotUsefulNeighbor",
      "DuplicateNeighbor",
      "DuplicateNodeId",
      "NodeBusy",
      "InternalFailure",
    ),
    Referrals: referrals,
  }),
  fc.nat(32).chain((total) =>
    fc.record({
      kind: fc.constant("LinkUtility" as const),
      Total: fc.constant(total),
      Useful: fc.nat(total),
    }),
  ),
  fc.constant({ kind: "Ping" as const }),
);

/** fast-check builds null-prototype records; compare against an ordinary object copy. */
function plain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
  }
  return v;
}

describe("engine ⇄ SOAP mapping", () => {
  it("round-trips every engine message through binary session encoding", () => {
    const sender = new BinaryMessageEncoder({ session: true });
    // Each side keeps its own dictionaries; the receiver learns strings from the StringTables.
    const receiver = new BinaryMessageEncoder({ session: true });
    fc.assert(
      fc.property(peerMessage, (m) => {
        const bytes = sender.encode(toSoapMessage(m, "demo"));
        const back = fromSoapMessage(receiver.decode(bytes), bytes.length);
        expect(back).toEqual(plain(m));
      }),
      { numRuns: 300 },
    );
  });

  it("addresses neighbor traffic to net.p2p://{mesh}/ (WINDOWS-NOTES §1.1)", () => {
    const msg = toSoapMessage({ kind: "Ping" }, "chatmesh");
    expect(msg.to).toBe("net.p2p://chatmesh/");
    expect(msg.action).toBe(PEER_ACTIONS.ping);
  });

  it("reads flood headers into a flood message that keeps the SOAP message as payload", () => {
    const app = new Message({ action: "urn:chat/Say", to: "net.p2p://demo/chat" });
    addFloodHeaders(app, {
      messageId: "0f8fad5b-d9cb-469f-a165-70867728950e",
      peerTo: "net.p2p://demo/chat",
      peerVia: "net.p2p://demo/chat",
      hops: 5n,
    });
    const enc = new TextMessageEncoder();
    const bytes = enc.encode(app);
    const received = enc.decode(bytes);
    const f = fromSoapMessage(received, bytes.length);
    expect(f).toMatchObject({
      kind: "Flood",
      MessageID: "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
      FloodMessage: "PeerFlooder",
      PeerVia: "net.p2p://demo/chat",
      Hops: 5n,
      size: bytes.length,
    });
    expect(f.kind === "Flood" && f.payload.message()).toBe(received);
  });

  it("rejects a message that is neither a peer message nor a flood", () => {
    const enc = new TextMessageEncoder();
    const received = enc.decode(enc.encode(new Message({ action: "urn:something/Else" })));
    expect(() => fromSoapMessage(received, 0)).toThrow(PeerNodeError);
  });
});

describe("the dedup key of a scanned flood", () => {
  it("is the key the engine derives from the MessageID text (property)", () => {
    // soap reads the 16 UniqueId bytes, mesh-core parses the text: both must name the same bytes,
    // or a copy decoded on one link and a copy scanned on another would both be delivered.
    const enc = new BinaryMessageEncoder();
    fc.assert(
      fc.property(fc.uuid(), (guid) => {
        const m = new Message({ action: "urn:x/Say", to: "net.p2p://m/x" });
        addFloodHeaders(m, { messageId: guid, peerTo: "net.p2p://m/x", peerVia: "net.p2p://m/x" });
        const scan = scanFlood(enc.encode(m), undefined);
        expect(scan?.messageKey).toBeDefined();
        expect(scan!.messageKey).toBe(messageKeyOf(`urn:uuid:${guid.toUpperCase()}`));
        expect(scan!.messageId).toBe(guid.toLowerCase());
      }),
      { numRuns: 300 },
    );
  });
});
