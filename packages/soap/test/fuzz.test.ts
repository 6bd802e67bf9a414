import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  classifyPeerMessage,
  createConnectMessage,
  createFloodHeaders,
  createWelcomeMessage,
  encodeRelay,
  floodSignedParts,
  Message,
  type MessageEncoder,
  parseConnect,
  parseFloodHeaders,
  parseIPAddress,
  parseWelcome,
  readSecuritySignature,
  SoapError,
  TextMessageEncoder,
  tryReadFault,
} from "../src/index.js";

const samples = (): Message[] => [
  createConnectMessage(
    {
      nodeId: 77n,
      address: {
        endpointAddress: { uri: "net.tcp://10.1.2.3:1/PeerChannelEndpoints/x" },
        ipAddresses: [parseIPAddress("10.1.2.3"), parseIPAddress("fe80::1%2")],
      },
    },
    { to: "net.p2p://m/" },
  ),
  createWelcomeMessage(
    { nodeId: 5n, referrals: [{ nodeId: 6n, address: null }] },
    { to: "net.p2p://m/" },
  ),
  new Message({
    action: "urn:app/Say",
    to: "net.p2p://m/",
    headers: createFloodHeaders({
      messageId: "271dddd4-fa44-46e2-9b86-090c0a52326c",
      peerTo: "net.p2p://m/",
      peerVia: "net.p2p://m/",
      hops: 3n,
      ids: { messageId: "_1", peerTo: "_2", peerVia: "_3", floodMessage: "_4" },
    }),
    bodyId: "_0",
    body: (out) => out.textElement("Say", "urn:app", "hello"),
  }),
];

/** Everything a receiver might do with a message; only SoapError may escape. */
function consume(dec: MessageEncoder, bytes: Uint8Array, relayTo: MessageEncoder): void {
  const m = dec.decode(bytes);
  const kind = classifyPeerMessage(m);
  if (kind === "flood") {
    parseFloodHeaders(m);
    readSecuritySignature(m);
    encodeRelay(m, relayTo, 2n);
    floodSignedParts(m);
  } else if (kind === "connect") parseConnect(m);
  else if (kind === "welcome") parseWelcome(m);
  else tryReadFault(m);
  m.checkMustUnderstand();
}

function mutate(bytes: Uint8Array, edits: [number, number][], cut: number): Uint8Array {
  const out = Uint8Array.from(bytes.subarray(0, Math.max(1, bytes.length - cut)));
  for (const [pos, val] of edits) out[pos % out.length] = val;
  return out;
}

describe("fuzz: damaged messages only ever raise SoapError", () => {
  for (const kind of ["binary", "binary+session", "text"] as const) {
    it(kind, () => {
      const make = (): MessageEncoder =>
        kind === "text"
          ? new TextMessageEncoder()
          : new BinaryMessageEncoder(kind === "binary" ? {} : { session: true });
      const originals = samples().map((m) => make().encode(m));
      let rejected = 0;
      fc.assert(
        fc.property(
          fc.nat({ max: originals.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat({ max: 8 }),
          (which, edits, cut) => {
            const damaged = mutate(originals[which]!, edits, cut);
            try {
              consume(make(), damaged, make());
            } catch (e) {
              // Anything but a SoapError (TypeError, RangeError, NbfsError…) fails the property.
              if (!(e instanceof SoapError)) throw e;
              rejected++;
            }
          },
        ),
        { numRuns: 400 },
      );
      // The mutations must actually exercise the error paths.
      expect(rejected).toBeGreaterThan(50);
    });
  }
});
