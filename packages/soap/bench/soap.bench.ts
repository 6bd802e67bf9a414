import { runBench, type BenchCase } from "@prch/bench";
import {
  BinaryMessageEncoder,
  createConnectMessage,
  createFloodHeaders,
  encodeRelay,
  Message,
  type MessageEncoder,
  parseConnect,
  parseFloodHeaders,
  parseIPAddress,
  sessionString,
  TextMessageEncoder,
} from "../src/index.js";

// Build + encode, and decode, a Connect and a 1 KB flood message, binary and
// text side by side (issue 5), plus relaying a flood with a new hop count.

const CONNECT = {
  nodeId: 14800704070183415334n,
  address: {
    endpointAddress: {
      uri: "net.tcp://160.20.30.40:63758/PeerChannelEndpoints/ba703e02-6a7b-457c-bf81-f0d6e56adb97",
    },
    ipAddresses: [parseIPAddress("2001:7d:28:3:f6:159:1c8:237"), parseIPAddress("157.59.137.223")],
  },
};
const PAYLOAD = "x".repeat(1024);
const APP = "urn:example:chat";
let seq = 0;

function connect(): Message {
  return createConnectMessage(CONNECT, { to: "net.p2p://benchmesh/" });
}

function flood(): Message {
  const n = (seq++ & 0xffffff).toString(16).padStart(12, "0");
  return new Message({
    action: "urn:example:chat/Say",
    to: "net.p2p://benchmesh/",
    headers: createFloodHeaders({
      messageId: `271dddd4-fa44-46e2-9b86-${n}`,
      peerTo: "net.p2p://benchmesh/",
      peerVia: "net.p2p://benchmesh/",
      hops: 32n,
    }),
    body: (out) => {
      out.startElement(sessionString("Say"), sessionString(APP));
      out.writer.writeString(PAYLOAD);
      out.endElement();
    },
  });
}

function encoders(): Array<{ label: string; tx: () => MessageEncoder; rx: () => MessageEncoder }> {
  return [
    {
      label: "binary+session",
      tx: () => new BinaryMessageEncoder({ session: true }),
      rx: () => new BinaryMessageEncoder({ session: true }),
    },
    { label: "binary", tx: () => new BinaryMessageEncoder(), rx: () => new BinaryMessageEncoder() },
    { label: "text", tx: () => new TextMessageEncoder(), rx: () => new TextMessageEncoder() },
  ];
}

function cases(kind: "connect" | "flood", op: "encode" | "decode"): BenchCase[] {
  return encoders().map(({ label, tx, rx }) => {
    const enc = tx();
    const build = kind === "connect" ? connect : flood;
    if (op === "encode") {
      const sample = tx().encode(build());
      return { name: label, bytes: sample.length, run: () => enc.encode(build()) };
    }
    // Decode: a session receiver must see the first document (with its
    // StringTable) once; later documents reuse the strings, as on a live link.
    const dec = rx();
    dec.decode(enc.encode(build()));
    const doc = enc.encode(build());
    const parse =
      kind === "connect"
        ? (b: Uint8Array) => parseConnect(dec.decode(b))
        : (b: Uint8Array) => {
            const m = dec.decode(b);
            parseFloodHeaders(m);
            return m.getBodyReader().text();
          };
    return { name: label, bytes: doc.length, run: () => parse(doc) };
  });
}

function relayCases(): BenchCase[] {
  return encoders().map(({ label, tx, rx }) => {
    const inbound = tx();
    const dec = rx();
    dec.decode(inbound.encode(flood()));
    const received = dec.decode(inbound.encode(flood()));
    const out = tx();
    return {
      name: label,
      bytes: inbound.encode(flood()).length,
      run: () => encodeRelay(received, out, 31n),
    };
  });
}

await runBench(
  "soap",
  [
    { title: "Connect build+encode", cases: cases("connect", "encode"), reference: "text" },
    { title: "Connect decode+parse", cases: cases("connect", "decode"), reference: "text" },
    { title: "1 KB flood build+encode", cases: cases("flood", "encode"), reference: "text" },
    { title: "1 KB flood decode+headers+body", cases: cases("flood", "decode"), reference: "text" },
    { title: "1 KB flood relay (Hops-1)", cases: relayCases(), reference: "text" },
  ],
  { jsonPath: "bench-results/soap.json" },
);
