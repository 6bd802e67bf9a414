import { connect, type Socket } from "node:net";
import type { PeerMessage } from "@prch/mesh-core";
import { encodePreamble, KnownEncoding, Mode, RecordType } from "@prch/nmf";
import { ResolverService } from "@prch/resolver-prcr";
import { createFloodHeaders, Message } from "@prch/soap";
import { dialNeighbor, type MessageChannel } from "@prch/transport-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PeerNode, type PeerNodeOptions } from "../src/index.js";
import { fromSoapMessage, toSoapMessage } from "../src/wire.js";

// A well-behaved node faces misbehaving neighbors over real sockets on 127.0.0.1 and must
// drop them (MC-PRCH §3.1.5) without crashing or disturbing its other links.
let resolver: ResolverService;
const nodes: PeerNode[] = [];
const sockets: Socket[] = [];

beforeEach(async () => {
  resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
  await resolver.listen();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
  await resolver.close();
});

async function open(extra: Partial<PeerNodeOptions> = {}): Promise<PeerNode> {
  const n = await PeerNode.open({
    meshName: "bad",
    resolver: resolver.address,
    listen: { host: "127.0.0.1" },
    config: { maintenanceIntervalMs: 2000, maintenanceRetryMs: 300 },
    ...extra,
  });
  nodes.push(n);
  return n;
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens a raw TCP socket to a node and resolves when the node closes it. */
function rawSession(port: number, bytes: Uint8Array): Promise<"closed"> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => s.write(bytes));
    sockets.push(s);
    s.on("error", () => undefined);
    s.on("data", () => undefined);
    s.on("close", () => resolve("closed"));
  });
}

/** Checks the node still serves good neighbors: a fresh node joins and they exchange a message. */
async function stillServes(target: PeerNode): Promise<void> {
  const other = await open();
  await until(() => target.online && other.online, "a good neighbor to connect");
  const got: string[] = [];
  target.channel("net.p2p://bad/ok").on("message", (m) => got.push(m.text()));
  other.channel("net.p2p://bad/ok").send("still here");
  await until(() => got.length === 1, "a message over the good link");
  expect(got).toEqual(["still here"]);
}

/** A hand-driven neighbor: dials the node as Peer Channel does and completes Connect/Welcome. */
async function fakeNeighbor(
  target: PeerNode,
): Promise<{ ch: MessageChannel; closed: Promise<unknown> }> {
  const ch = await dialNeighbor(
    { endpointAddress: target.address.EndpointAddress, ipAddresses: target.address.IPAddresses },
    { security: { mode: "none" }, to: "net.p2p://bad/" },
  );
  const closed = new Promise((r) => ch.once("closed", r));
  const welcome = new Promise<PeerMessage>((resolve) =>
    ch.on("message", (m) => resolve(fromSoapMessage(m, 0))),
  );
  ch.resumeReading();
  ch.send(
    toSoapMessage(
      {
        kind: "Connect",
        NodeId: 0x1234_5678_9abc_def0n,
        Address: {
          EndpointAddress:
            "net.tcp://127.0.0.1:9/PeerChannelEndpoints/0f8fad5b-d9cb-469f-a165-70867728950e",
          IPAddresses: ["127.0.0.1"],
        },
      },
      "bad",
    ),
  );
  expect((await welcome).kind).toBe("Welcome");
  return { ch, closed };
}

describe("misbehaving neighbors are dropped; the node carries on", () => {
  it("garbage bytes instead of a preamble", async () => {
    const n = await open();
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff);
    expect(await rawSession(n.port, garbage)).toBe("closed");
    await stillServes(n);
  });

  it("an envelope record larger than MaxReceivedMessageSize", async () => {
    const n = await open();
    const preamble = encodePreamble({
      mode: Mode.Duplex,
      via: n.address.EndpointAddress,
      encoding: KnownEncoding.Soap12BinarySession,
    });
    // SizedEnvelope claiming 1,000,000 bytes (MultiByteInt31 0xC0 0x84 0x3D), then a trickle.
    const oversize = Uint8Array.of(
      ...preamble,
      RecordType.PreambleEnd,
      RecordType.SizedEnvelope,
      0xc0,
      0x84,
      0x3d,
      1,
      2,
      3,
    );
    expect(await rawSession(n.port, oversize)).toBe("closed");
    await stillServes(n);
  });

  it("a LinkUtility whose Useful exceeds its Total (MC-PRCH §3.1.5.6)", async () => {
    const n = await open();
    const { ch, closed } = await fakeNeighbor(n);
    await until(() => n.online, "the fake neighbor to be connected");
    ch.send(toSoapMessage({ kind: "LinkUtility", Useful: 9, Total: 3 }, "bad"));
    await closed;
    await stillServes(n);
  });

  it("a flood without the FloodMessage header (WINDOWS-NOTES §1.3)", async () => {
    const n = await open();
    const { ch, closed } = await fakeNeighbor(n);
    const headers = createFloodHeaders({
      messageId: "6f9619ff-8b86-d011-b42d-00c04fc964ff",
      peerTo: "net.p2p://bad/ok",
      peerVia: "net.p2p://bad/ok",
    }).filter(
      (h) => h.name !== "FloodMessage" && (h.name as { value?: string }).value !== "FloodMessage",
    );
    expect(headers.length).toBe(3);
    ch.send(new Message({ action: "urn:app/Say", to: "net.p2p://bad/ok", headers }));
    await closed;
    await stillServes(n);
  });

  it("a flood whose headers read well but whose body does not decode (scanned, then refused)", async () => {
    const n = await open();
    const warnings: string[] = [];
    n.on("warning", (e) => warnings.push(e.message));
    const got: string[] = [];
    n.channel("net.p2p://bad/scan").on("message", (m) => got.push(m.text()));
    const { ch, closed } = await fakeNeighbor(n);
    const flood = (id: string, text: string) =>
      new Message({
        action: "urn:app/Say",
        to: "net.p2p://bad/scan",
        headers: createFloodHeaders({
          messageId: id,
          peerTo: "net.p2p://bad/scan",
          peerVia: "net.p2p://bad/scan",
        }),
        body: (out) => {
          out.startElement("string", "http://schemas.microsoft.com/2003/10/Serialization/");
          out.writer.writeString(text);
          out.endElement();
        },
      });
    // The first flood defines the session strings; it is delivered.
    ch.send(flood("6f9619ff-8b86-d011-b42d-00c04fc964f0", "fine"));
    await until(() => got.length === 1, "the good flood");
    // The second has an empty StringTable, so the node scans its headers instead of
    // decoding it; its first body record is then made undefined (0x00).
    const bytes = ch.encoder.encode(flood("6f9619ff-8b86-d011-b42d-00c04fc964f1", "broken"));
    expect(bytes[0]).toBe(0);
    let body = -1;
    for (let i = bytes.length - 2; i >= 0; i--) {
      if (bytes[i] === 0x56 && bytes[i + 1] === 0x0e) {
        body = i + 2;
        break;
      }
    }
    expect(body).toBeGreaterThan(0);
    bytes[body] = 0x00;
    ch.sendEncoded(bytes);
    await closed;
    expect(got).toEqual(["fine"]);
    expect(warnings.some((w) => /unknown record type 0x00/.test(w))).toBe(true);
    await stillServes(n);
  });

  it("a scanned flood with a malformed body that is only relayed goes nowhere and costs the link", async () => {
    const n = await open();
    const warnings: string[] = [];
    n.on("warning", (e) => warnings.push(e.message));
    const other = await open();
    await until(() => n.online && other.online, "a good neighbor");
    // n has no channel for this Via, so it only relays; other delivers.
    const atOther: string[] = [];
    other.channel("net.p2p://bad/relay").on("message", (m) => atOther.push(m.text()));
    const { ch, closed } = await fakeNeighbor(n);
    const flood = (id: string, text: string) =>
      new Message({
        action: "urn:app/Say",
        to: "net.p2p://bad/relay",
        headers: createFloodHeaders({
          messageId: id,
          peerTo: "net.p2p://bad/relay",
          peerVia: "net.p2p://bad/relay",
        }),
        body: (out) => {
          out.startElement("string", "http://schemas.microsoft.com/2003/10/Serialization/");
          out.writer.writeString(text);
          out.endElement();
        },
      });
    ch.send(flood("6f9619ff-8b86-d011-b42d-00c04fc964e0", "relayed"));
    await until(() => atOther.length === 1, "the good flood at the other node");
    const bytes = ch.encoder.encode(flood("6f9619ff-8b86-d011-b42d-00c04fc964e1", "broken"));
    expect(bytes[0]).toBe(0);
    // An undefined record (0x00) where the body's text should be.
    const at = Buffer.from(bytes).lastIndexOf(Buffer.from("broken"));
    expect(at).toBeGreaterThan(0);
    bytes[at - 2] = 0x00;
    ch.sendEncoded(bytes);
    await closed;
    expect(warnings.some((w) => /unknown record 0x0/.test(w))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(atOther).toEqual(["relayed"]);
  });

  // A load test over real sockets (thousands of messages), not a unit test: skipped in the unit-only pass.
  it.skipIf(process.env.PRCH_UNIT_ONLY === "1")(
    "a neighbor that never reads is aborted as too slow, and the others lose nothing",
    async () => {
      // Short throttle grace so the test does not wait Windows' 10–20 s.
      const config = {
        maintenanceIntervalMs: 60_000,
        maintenanceRetryMs: 300,
        throttleGraceMinMs: 500,
        throttleGraceMaxMs: 800,
      };
      const a = await open({ config });
      const reasons: string[] = [];
      a.on("neighborRemoved", (_id, reason) => reasons.push(reason));
      const slow = await fakeNeighbor(a);
      slow.ch.pauseReading();
      // Only `a` faces the slow neighbor; b and c keep Windows' 10–20 s grace, so while `a` is
      // throttled (and reads slowly) they do not in turn abort `a` as too slow.
      const others = { maintenanceIntervalMs: 60_000, maintenanceRetryMs: 300 };
      const b = await open({ config: others });
      await until(() => b.online && a.neighbors().length >= 2, "b to join a");
      const c = await open({ config: others });
      await until(() => c.online, "c to join");
      const total = 3000;
      let atC = 0;
      c.channel("net.p2p://bad/load").on("message", () => atC++);
      let atA = 0;
      a.channel("net.p2p://bad/load").on("message", () => atA++);
      const body = "x".repeat(4000);
      const ch = b.channel("net.p2p://bad/load");
      for (let i = 0; i < total; i++) {
        ch.send(body);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await until(() => reasons.includes("NodeTooSlow"), "the slow neighbor to be aborted", 60_000);
      await until(
        () => atA === total && atC === total,
        `all ${total} messages at a and c`,
        120_000,
      );
      expect(a.stats().tooSlowAborts).toBe(1);
      expect(atA).toBe(total);
      expect(atC).toBe(total);
    },
    240_000,
  );
});
