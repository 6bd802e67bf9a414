import { describe, expect, it } from "vitest";
import {
  encodeRecord,
  encodeRecords,
  FaultName,
  faultUri,
  KnownEncoding,
  Mode,
  NmfError,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
  UpgradeProtocol,
} from "../src/index.js";
import { pump, types } from "./helpers.js";
import * as v41 from "./vectors/duplex-4.1.js";

const VIA = "net.tcp://127.0.0.1:808/svc";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const faultBytes = (name: FaultName) => encodeRecord({ type: "fault", fault: faultUri(name) });
const bytes = (...xs: number[]) => Uint8Array.from(xs);

function errorEvent(events: NmfEvent[]): NmfError {
  const e = events.find((x) => x.type === "error");
  if (e?.type !== "error") throw new Error(`no error event in ${types(events).join(",")}`);
  return e.error;
}

describe("the MC-NMF §4.1 duplex exchange", () => {
  it("is what our initiator writes and reads", () => {
    const s = new NmfInitiator({
      mode: Mode.Duplex,
      via: v41.VIA,
      encoding: KnownEncoding.Soap12BinarySession,
    });
    expect(s.start()).toEqual([]);
    expect(hex(s.takeOutput())).toBe(hex(Uint8Array.from([...v41.PREAMBLE, ...v41.PREAMBLE_END])));
    expect(s.sendAllowed).toBe(false);
    expect(s.receive(v41.PREAMBLE_ACK)).toEqual([
      { type: "preambleComplete", mode: Mode.Duplex, via: v41.VIA, encoding: 8 },
    ]);
    expect(s.sendAllowed && s.receiveAllowed).toBe(true);
    s.sendEnvelope(v41.PAYLOAD_1);
    expect(hex(s.takeOutput())).toBe(hex(v41.ENVELOPE_1));
    expect(s.receive(v41.ENVELOPE_2)).toEqual([{ type: "envelope", payload: v41.PAYLOAD_2 }]);
    expect(s.end()).toEqual([]);
    expect(hex(s.takeOutput())).toBe("07");
    expect(s.receive(v41.END)).toEqual([{ type: "end" }, { type: "closed", clean: true }]);
    expect(s.closed).toBe(true);
  });

  it("is what our receiver reads and writes, fed one byte at a time", () => {
    const r = new NmfReceiver();
    const events: NmfEvent[] = [];
    for (const b of v41.STREAM_A) events.push(...r.receive(bytes(b)));
    expect(events).toEqual([
      { type: "preambleComplete", mode: Mode.Duplex, via: v41.VIA, encoding: 8 },
      { type: "envelope", payload: v41.PAYLOAD_1 },
      { type: "end" },
    ]);
    expect(hex(r.takeOutput())).toBe("0b");
    expect(r.receiveAllowed).toBe(false);
    r.sendEnvelope(v41.PAYLOAD_2);
    expect(r.end()).toEqual([{ type: "closed", clean: true }]);
    expect(hex(r.takeOutput())).toBe(hex(Uint8Array.from([...v41.ENVELOPE_2, ...v41.END])));
  });
});

describe("initiator and receiver against each other", () => {
  it("duplex: many envelopes both ways, receiver ends first", () => {
    const i = new NmfInitiator({ mode: Mode.Duplex, via: VIA, encoding: KnownEncoding.Soap12Utf8 });
    const r = new NmfReceiver({ modes: [Mode.Duplex], encodings: [KnownEncoding.Soap12Utf8] });
    i.start();
    const log = pump(i, r);
    expect(types(log.a)).toEqual(["preambleComplete"]);
    expect(types(log.b)).toEqual(["preambleComplete"]);
    for (let n = 1; n <= 3; n++) {
      i.sendEnvelope(new Uint8Array(n * 100).fill(n));
      r.sendEnvelope(new Uint8Array(n).fill(n));
    }
    r.end();
    const after = pump(i, r, { a: [], b: [] });
    expect(after.b.map((e) => (e.type === "envelope" ? e.payload.length : -1))).toEqual([
      100, 200, 300,
    ]);
    expect(types(after.a)).toEqual(["envelope", "envelope", "envelope", "end"]);
    // The initiator may still send after the receiver's End (§3.1.1.1.2).
    i.sendEnvelope(bytes(42));
    i.end();
    const last = pump(i, r, { a: [], b: [] });
    expect(last.b).toEqual([
      { type: "envelope", payload: bytes(42) },
      { type: "end" },
      { type: "closed", clean: true },
    ]);
    expect(i.closed && r.closed).toBe(true);
  });

  it("shareBuffers: the same bytes on the wire, payloads handed over without copies", () => {
    const make = (shareBuffers: boolean) => {
      const i = new NmfInitiator({
        mode: Mode.Duplex,
        via: VIA,
        encoding: KnownEncoding.Soap12BinarySession,
        shareBuffers,
      });
      const r = new NmfReceiver({ shareBuffers });
      i.start();
      pump(i, r);
      return { i, r };
    };
    const shared = make(true);
    const copied = make(false);
    const payloads = [1, 127, 128, 16384, 60000].map((n) => new Uint8Array(n).fill(n & 0xff));
    for (const p of payloads) {
      shared.i.sendEnvelope(p);
      copied.i.sendEnvelope(p);
    }
    const wire = shared.i.takeOutput();
    expect(hex(wire)).toBe(hex(copied.i.takeOutput()));
    // Fed in one chunk, every envelope is a view of that chunk; the copying session copies.
    const got = shared.r.receive(wire).filter((e) => e.type === "envelope");
    const gotCopied = copied.r.receive(Uint8Array.from(wire)).filter((e) => e.type === "envelope");
    expect(got.map((e) => e.type === "envelope" && e.payload.length)).toEqual(
      payloads.map((p) => p.length),
    );
    for (const e of got) if (e.type === "envelope") expect(e.payload.buffer).toBe(wire.buffer);
    for (const e of gotCopied)
      if (e.type === "envelope") expect(e.payload.buffer).not.toBe(wire.buffer);
  });

  it("singleton unsized: one request in chunks, one reply, End both ways", () => {
    const i = new NmfInitiator({
      mode: Mode.SingletonUnsized,
      via: VIA,
      encoding: KnownEncoding.Soap12Binary,
      chunkSize: 7,
    });
    const r = new NmfReceiver({ chunkSize: 3 });
    i.start();
    pump(i, r);
    const request = Uint8Array.from({ length: 50 }, (_, k) => k);
    i.sendEnvelope(request);
    expect(i.sendAllowed).toBe(false);
    expect(() => i.sendEnvelope(request)).toThrow(NmfError);
    const log = pump(i, r, { a: [], b: [] });
    expect(log.b).toEqual([{ type: "envelope", payload: request }, { type: "end" }]);
    r.sendEnvelope(bytes(1, 2, 3, 4));
    const reply = pump(i, r, { a: [], b: [] });
    expect(reply.a).toEqual([
      { type: "envelope", payload: bytes(1, 2, 3, 4) },
      { type: "end" },
      { type: "closed", clean: true },
    ]);
    expect(r.closed).toBe(true);
  });

  it("singleton unsized one-way: the receiver answers with End only", () => {
    const i = new NmfInitiator({ mode: Mode.SingletonUnsized, via: VIA, encoding: 3 });
    const r = new NmfReceiver();
    i.start();
    pump(i, r);
    i.sendEnvelope(bytes(9));
    pump(i, r);
    expect(r.end()).toEqual([{ type: "closed", clean: true }]);
    expect(pump(i, r).a).toEqual([{ type: "end" }, { type: "closed", clean: true }]);
  });

  it("simplex: no Preamble Ack, nothing flows back", () => {
    const i = new NmfInitiator({ mode: Mode.Simplex, via: VIA, encoding: 7 });
    const r = new NmfReceiver();
    expect(types(i.start())).toEqual(["preambleComplete"]);
    i.sendEnvelope(bytes(1));
    i.sendEnvelope(bytes(2, 2));
    expect(i.end()).toEqual([{ type: "closed", clean: true }]);
    const wire = i.takeOutput();
    expect(hex(wire.subarray(-9))).toBe("0c" + "060101" + "06020202" + "07");
    const events = r.receive(wire);
    expect(types(events)).toEqual(["preambleComplete", "envelope", "envelope", "end", "closed"]);
    expect(r.hasOutput).toBe(false);
    expect(() => r.sendEnvelope(bytes(1))).toThrow(NmfError);
  });

  it("singleton sized: the message is everything up to end of stream", () => {
    const i = new NmfInitiator({ mode: Mode.SingletonSized, via: VIA, encoding: 3 });
    const r = new NmfReceiver();
    i.start();
    expect(i.sendEnvelope(bytes(7, 0x0c, 0x07))).toEqual([{ type: "closed", clean: true }]);
    const wire = i.takeOutput();
    const events: NmfEvent[] = [];
    for (const b of wire) events.push(...r.receive(bytes(b)));
    expect(types(events)).toEqual(["preambleComplete"]);
    expect(r.receiveEof()).toEqual([
      { type: "envelope", payload: bytes(7, 0x0c, 0x07) },
      { type: "closed", clean: true },
    ]);
    expect(r.hasOutput).toBe(false);
  });

  it("singleton sized: end of stream without a message is an error", () => {
    const r = new NmfReceiver();
    const i = new NmfInitiator({ mode: Mode.SingletonSized, via: VIA, encoding: 3 });
    i.start();
    r.receive(i.takeOutput());
    const events = r.receiveEof();
    expect(errorEvent(events).code).toBe("unexpected-eof");
  });

  it("upgrades: application/ssl-tls is handed to the caller on both sides", () => {
    const i = new NmfInitiator({
      mode: Mode.Duplex,
      via: VIA,
      encoding: 8,
      upgrades: [UpgradeProtocol.SslTls],
    });
    const r = new NmfReceiver({ upgrades: [UpgradeProtocol.SslTls] });
    i.start();
    const wire = i.takeOutput();
    expect(hex(wire.subarray(-21))).toBe(
      `0913${Buffer.from("application/ssl-tls").toString("hex")}`,
    );
    expect(r.receive(wire)).toEqual([
      { type: "upgradeRequested", protocol: "application/ssl-tls" },
    ]);
    expect(hex(r.takeOutput())).toBe("0a");
    expect(r.state).toBe("upgrading");
    // Bytes arriving now are the upgrade protocol's; the session leaves them alone.
    expect(r.receive(bytes(0x16, 0x03, 0x01))).toEqual([]);
    expect(() => r.upgradeComplete()).toThrow(NmfError);
    expect([...r.takeUnconsumed()]).toEqual([0x16, 0x03, 0x01]);
    expect(r.upgradeComplete()).toEqual([]);
    expect(i.receive(bytes(0x0a))).toEqual([
      { type: "upgradeAccepted", protocol: "application/ssl-tls" },
    ]);
    expect(i.hasOutput).toBe(false);
    i.upgradeComplete();
    expect(hex(i.takeOutput())).toBe("0c");
    expect(types(r.receive(bytes(0x0c)))).toEqual(["preambleComplete"]);
    expect(types(i.receive(r.takeOutput()))).toEqual(["preambleComplete"]);
  });

  it("upgrades: several in a row", () => {
    const i = new NmfInitiator({
      mode: Mode.SingletonUnsized,
      via: VIA,
      encoding: 3,
      upgrades: ["x/a", "x/b"],
    });
    const r = new NmfReceiver({ upgrades: ["x/a", "x/b"] });
    i.start();
    const log = pump(i, r);
    expect(types(log.a)).toEqual(["upgradeAccepted", "upgradeAccepted", "preambleComplete"]);
    expect(types(log.b)).toEqual(["upgradeRequested", "upgradeRequested", "preambleComplete"]);
  });

  it("upgrades: application/negotiate is refused with UpgradeInvalid", () => {
    const i = new NmfInitiator({
      mode: Mode.Duplex,
      via: VIA,
      encoding: 8,
      upgrades: [UpgradeProtocol.Negotiate],
    });
    // Even a receiver that lists it refuses: there is no SPNEGO handler.
    const r = new NmfReceiver({ upgrades: [UpgradeProtocol.Negotiate] });
    i.start();
    const events = r.receive(i.takeOutput());
    expect(errorEvent(events).code).toBe("upgrade-invalid");
    expect(events.at(-1)).toEqual({ type: "closed", clean: false });
    const out = r.takeOutput();
    expect(hex(out)).toBe(hex(faultBytes(FaultName.UpgradeInvalid)));
    expect(i.receive(out)).toEqual([
      { type: "fault", fault: faultUri(FaultName.UpgradeInvalid) },
      { type: "closed", clean: false },
    ]);
  });

  it("a pooled connection: the next session's bytes wait in takeUnconsumed()", () => {
    const i = new NmfInitiator({ mode: Mode.Duplex, via: VIA, encoding: 8 });
    const r = new NmfReceiver();
    i.start();
    pump(i, r);
    i.end();
    pump(i, r);
    r.end();
    pump(i, r);
    expect(i.closed && r.closed).toBe(true);
    const second = new NmfInitiator({ mode: Mode.Duplex, via: VIA, encoding: 8 });
    second.start();
    expect(r.receive(second.takeOutput())).toEqual([]);
    const r2 = new NmfReceiver();
    expect(types(r2.receive(r.takeUnconsumed()))).toEqual(["preambleComplete"]);
  });
});

describe("receiver refusals send the faults Windows sends (MC-NMF §6)", () => {
  const preamble = (over: { version?: number[]; mode?: number; enc?: number[] } = {}) =>
    Uint8Array.from([
      ...(over.version ?? [0x00, 0x01, 0x00]),
      0x01,
      over.mode ?? 0x02,
      ...encodeRecord({ type: "via", via: VIA }),
      ...(over.enc ?? [0x03, 0x08]),
    ]);
  const cases: [
    string,
    Uint8Array,
    ConstructorParameters<typeof NmfReceiver>[0],
    string,
    FaultName,
  ][] = [
    [
      "version 2.0",
      preamble({ version: [0, 2, 0] }),
      {},
      "unsupported-version",
      FaultName.UnsupportedVersion,
    ],
    ["mode 0", preamble({ mode: 0 }), {}, "unsupported-mode", FaultName.UnsupportedMode],
    ["mode 5", preamble({ mode: 5 }), {}, "unsupported-mode", FaultName.UnsupportedMode],
    [
      "mode not accepted",
      preamble({ mode: 3 }),
      { modes: [Mode.Duplex] },
      "unsupported-mode",
      FaultName.UnsupportedMode,
    ],
    [
      "encoding 0x09",
      preamble({ enc: [0x03, 0x09] }),
      {},
      "content-type-invalid",
      FaultName.ContentTypeInvalid,
    ],
    [
      "encoding not accepted",
      preamble(),
      { encodings: [3] },
      "content-type-invalid",
      FaultName.ContentTypeInvalid,
    ],
    [
      "unknown content type",
      preamble({ enc: [...encodeRecord({ type: "extensibleEncoding", contentType: "a/b" })] }),
      {},
      "content-type-invalid",
      FaultName.ContentTypeInvalid,
    ],
    [
      "unknown Via",
      preamble(),
      { acceptVia: () => false },
      "endpoint-not-found",
      FaultName.EndpointNotFound,
    ],
    [
      "unknown upgrade",
      Uint8Array.from([
        ...preamble(),
        ...encodeRecord({ type: "upgradeRequest", protocol: "x/y" }),
      ]),
      {},
      "upgrade-invalid",
      FaultName.UpgradeInvalid,
    ],
    [
      "envelope over the limit",
      Uint8Array.from([...preamble(), 0x0c, 0x06, 0x81, 0x80, 0x04]),
      {},
      "message-too-large",
      FaultName.MaxMessageSizeExceededFault,
    ],
  ];
  it.each(cases)("%s", (_name, wire, options, code, fault) => {
    const r = new NmfReceiver(options);
    const events = r.receive(wire);
    expect(errorEvent(events).code).toBe(code);
    expect(events.at(-1)).toEqual({ type: "closed", clean: false });
    const out = r.takeOutput();
    const expected = hex(faultBytes(fault));
    expect(hex(out).endsWith(expected)).toBe(true);
    expect(r.closed).toBe(true);
    expect(r.receive(bytes(0x07))).toEqual([]);
  });

  it("accepts a listed extensible content type and a minor version it does not know", () => {
    const r = new NmfReceiver({ contentTypes: ["application/x-test"] });
    const wire = encodeRecords([
      { type: "version", major: 1, minor: 7 },
      { type: "mode", mode: Mode.Duplex },
      { type: "via", via: VIA },
      { type: "extensibleEncoding", contentType: "application/x-test" },
      { type: "preambleEnd" },
    ]);
    expect(r.receive(wire)).toEqual([
      {
        type: "preambleComplete",
        mode: Mode.Duplex,
        via: VIA,
        encoding: { contentType: "application/x-test" },
      },
    ]);
  });

  it("sends no fault in simplex (passive receiver), only closes", () => {
    const r = new NmfReceiver({ maxMessageSize: 10 });
    const i = new NmfInitiator({ mode: Mode.Simplex, via: VIA, encoding: 3 });
    i.start();
    i.sendEnvelope(new Uint8Array(11));
    const events = r.receive(i.takeOutput());
    expect(errorEvent(events).code).toBe("message-too-large");
    expect(r.hasOutput).toBe(false);
  });

  it("sendFault closes with an application fault", () => {
    const r = new NmfReceiver();
    r.receive(preamble());
    expect(r.sendFault(faultUri(FaultName.ServerTooBusy))).toEqual([
      { type: "closed", clean: false },
    ]);
    expect(hex(r.takeOutput())).toBe(hex(faultBytes(FaultName.ServerTooBusy)));
  });
});

describe("API misuse and end of stream", () => {
  it("refuses sends before the Preamble Ack, after End and after close", () => {
    const i = new NmfInitiator({ mode: Mode.Duplex, via: VIA, encoding: 8 });
    expect(() => i.sendEnvelope(bytes(1))).toThrow(/Send Allowed/);
    i.start();
    expect(() => i.start()).toThrow(NmfError);
    expect(() => i.end()).toThrow(NmfError);
    i.receive(bytes(0x0b));
    expect(() => i.sendEnvelope(new Uint8Array(0))).toThrow(NmfError);
    i.end();
    expect(() => i.sendEnvelope(bytes(1))).toThrow(NmfError);
    i.close();
    expect(() => i.end()).toThrow(expect.objectContaining({ code: "session-closed" }));
  });

  it("refuses impossible configurations", () => {
    expect(() => new NmfInitiator({ mode: 9 as Mode, via: VIA, encoding: 8 })).toThrow(NmfError);
    expect(() => new NmfInitiator({ mode: 2, via: "", encoding: 8 })).toThrow(NmfError);
    expect(() => new NmfInitiator({ mode: 2, via: VIA, encoding: 12 as KnownEncoding })).toThrow(
      NmfError,
    );
    expect(
      () => new NmfInitiator({ mode: Mode.Simplex, via: VIA, encoding: 8, upgrades: ["x/y"] }),
    ).toThrow(NmfError);
    expect(() => new NmfReceiver({ maxMessageSize: 0 })).toThrow(NmfError);
    const s = new NmfInitiator({ mode: Mode.SingletonSized, via: VIA, encoding: 8 });
    s.start();
    expect(() => s.end()).toThrow(NmfError);
  });

  it("reports a transport closed mid-session, but not after the peer's End", () => {
    const r = new NmfReceiver();
    r.receive(preamble());
    expect(errorEvent(r.receiveEof()).code).toBe("unexpected-eof");
    const r2 = new NmfReceiver();
    r2.receive(Uint8Array.from([...preamble(), 0x0c, 0x07]));
    expect(r2.receiveEof()).toEqual([{ type: "closed", clean: false }]);
    const r3 = new NmfReceiver();
    r3.receive(Uint8Array.from([...preamble(), 0x0c, 0x06, 0x05, 1]));
    expect(errorEvent(r3.receiveEof()).code).toBe("unexpected-eof");
    // After our own End, the peer closing the transport simply ends the session.
    const i = new NmfInitiator({ mode: Mode.Duplex, via: VIA, encoding: 8 });
    i.start();
    i.receive(bytes(0x0b));
    i.end();
    expect(i.receiveEof()).toEqual([{ type: "closed", clean: false }]);
  });
});

function preamble(): Uint8Array {
  return Uint8Array.from([
    0x00,
    0x01,
    0x00,
    0x01,
    0x02,
    ...encodeRecord({ type: "via", via: VIA }),
    0x03,
    0x08,
  ]);
}
