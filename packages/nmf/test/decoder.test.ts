import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DecodedRecord,
  encodeRecord,
  encodeRecords,
  FaultName,
  faultUri,
  type NmfRecord,
  NmfError,
  RecordDecoder,
} from "../src/index.js";
import * as v41 from "./vectors/duplex-4.1.js";

function decodeAll(chunks: Uint8Array[], decoder = new RecordDecoder()): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  for (const c of chunks) {
    decoder.push(c);
    for (let i = 0; i < 10_000; i++) {
      const r = decoder.next();
      if (!r) break;
      out.push(r);
    }
  }
  return out;
}

function bytewise(bytes: Uint8Array): Uint8Array[] {
  return [...bytes].map((b) => Uint8Array.of(b));
}

function errorOf(fn: () => unknown): NmfError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NmfError) return e;
    throw e;
  }
  throw new Error("expected an NmfError");
}

const EXPECTED_A: DecodedRecord[] = [
  { type: "version", major: 1, minor: 0 },
  { type: "mode", mode: 2 },
  { type: "via", via: v41.VIA },
  { type: "knownEncoding", encoding: 8 },
  { type: "preambleEnd" },
  { type: "sizedEnvelope", payload: v41.PAYLOAD_1 },
  { type: "end" },
];

describe("RecordDecoder on the MC-NMF §4.1 stream", () => {
  it("decodes the initiator stream in one piece", () => {
    expect(decodeAll([v41.STREAM_A])).toEqual(EXPECTED_A);
  });
  it("decodes it one byte at a time", () => {
    expect(decodeAll(bytewise(v41.STREAM_A))).toEqual(EXPECTED_A);
  });
  it("decodes the receiver stream", () => {
    expect(decodeAll(bytewise(v41.STREAM_B))).toEqual([
      { type: "preambleAck" },
      { type: "sizedEnvelope", payload: v41.PAYLOAD_2 },
      { type: "end" },
    ]);
  });
  it("decodes it under any chunking", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 60 }), (cuts) => {
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const n of cuts) {
          if (at >= v41.STREAM_A.length) break;
          chunks.push(v41.STREAM_A.subarray(at, at + n));
          at += n;
        }
        chunks.push(v41.STREAM_A.subarray(at));
        expect(decodeAll(chunks)).toEqual(EXPECTED_A);
      }),
      { numRuns: 200 },
    );
  });
  it("tracks the stream offset", () => {
    const d = new RecordDecoder();
    d.push(v41.STREAM_A);
    for (let i = 0; i < 5; i++) d.next();
    expect(d.offset).toBe(v41.PREAMBLE.length + 1);
    expect(d.lastRecordOffset).toBe(v41.PREAMBLE.length);
  });
});

describe("RecordDecoder record by record", () => {
  it("encodes every record as MC-NMF §2.2 lays it out", () => {
    const hex = (r: NmfRecord) => Buffer.from(encodeRecord(r)).toString("hex");
    expect(hex({ type: "version", major: 1, minor: 0 })).toBe("000100");
    expect(hex({ type: "mode", mode: 4 })).toBe("0104");
    expect(hex({ type: "via", via: "net.tcp://a/" })).toBe(
      `020c${Buffer.from("net.tcp://a/").toString("hex")}`,
    );
    expect(hex({ type: "knownEncoding", encoding: 7 })).toBe("0307");
    expect(hex({ type: "extensibleEncoding", contentType: "a/b" })).toBe("0403612f62");
    expect(hex({ type: "upgradeRequest", protocol: "application/ssl-tls" })).toBe(
      `0913${Buffer.from("application/ssl-tls").toString("hex")}`,
    );
    expect(hex({ type: "upgradeResponse" })).toBe("0a");
    expect(hex({ type: "preambleAck" })).toBe("0b");
    expect(hex({ type: "preambleEnd" })).toBe("0c");
    expect(hex({ type: "end" })).toBe("07");
    expect(hex({ type: "fault", fault: "x" })).toBe("080178");
    expect(hex({ type: "sizedEnvelope", payload: Uint8Array.of(1, 2) })).toBe("06020102");
    expect(
      hex({ type: "unsizedEnvelope", payload: Uint8Array.of(1, 2, 3, 4, 5), chunkSize: 2 }),
    ).toBe("05" + "020102" + "020304" + "0105" + "00");
  });

  it("refuses to encode empty variable-sized records", () => {
    expect(() => encodeRecord({ type: "via", via: "" })).toThrow(NmfError);
    expect(() => encodeRecord({ type: "sizedEnvelope", payload: new Uint8Array(0) })).toThrow(
      NmfError,
    );
    expect(() => encodeRecord({ type: "unsizedEnvelope", payload: new Uint8Array(0) })).toThrow(
      NmfError,
    );
    expect(() => encodeRecord({ type: "mode", mode: 256 })).toThrow(NmfError);
  });

  it("splits unsized envelopes into chunks and a terminator", () => {
    const bytes = encodeRecord({
      type: "unsizedEnvelope",
      payload: Uint8Array.of(9, 8, 7),
      chunkSize: 2,
    });
    expect(decodeAll(bytewise(bytes))).toEqual([
      { type: "unsizedEnvelopeStart" },
      { type: "dataChunk", payload: Uint8Array.of(9, 8) },
      { type: "dataChunk", payload: Uint8Array.of(7) },
      { type: "unsizedEnvelopeEnd" },
    ]);
  });

  it("round-trips arbitrary record sequences under arbitrary chunking", () => {
    const text = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" });
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 });
    const record: fc.Arbitrary<NmfRecord> = fc.oneof(
      fc.record({ type: fc.constant("version" as const), major: fc.nat(255), minor: fc.nat(255) }),
      fc.record({ type: fc.constant("mode" as const), mode: fc.nat(255) }),
      fc.record({ type: fc.constant("via" as const), via: text }),
      fc.record({ type: fc.constant("knownEncoding" as const), encoding: fc.nat(255) }),
      fc.record({ type: fc.constant("extensibleEncoding" as const), contentType: text }),
      fc.record({ type: fc.constant("upgradeRequest" as const), protocol: text }),
      fc.constant({ type: "upgradeResponse" as const }),
      fc.constant({ type: "preambleEnd" as const }),
      fc.constant({ type: "preambleAck" as const }),
      fc.constant({ type: "end" as const }),
      fc.record({ type: fc.constant("fault" as const), fault: text }),
      fc.record({ type: fc.constant("sizedEnvelope" as const), payload: bytes }),
    );
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 12 }),
        fc.integer({ min: 1, max: 50 }),
        (recs, step) => {
          const wire = encodeRecords(recs);
          const chunks: Uint8Array[] = [];
          for (let at = 0; at < wire.length; at += step) chunks.push(wire.subarray(at, at + step));
          expect(decodeAll(chunks)).toEqual(recs);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("RecordDecoder quotas and validity", () => {
  it("rejects an over-large Sized Envelope from its header alone, before buffering", () => {
    const d = new RecordDecoder();
    d.push(Uint8Array.of(0x06, 0x81, 0x80, 0x04)); // 65537
    const e = errorOf(() => d.next());
    expect(e.code).toBe("message-too-large");
    expect(e.fault).toBe(faultUri(FaultName.MaxMessageSizeExceededFault));
    expect(e.offset).toBe(0);
    // The decoder stays failed.
    expect(errorOf(() => d.next())).toBe(e);
  });

  it("accepts exactly the configured maximum and honours a raised one", () => {
    const payload = new Uint8Array(65536).fill(7);
    const recs = decodeAll([encodeRecord({ type: "sizedEnvelope", payload })]);
    expect(recs).toEqual([{ type: "sizedEnvelope", payload }]);
    const big = new Uint8Array(70000);
    const d = new RecordDecoder({ maxMessageSize: 70000 });
    expect(decodeAll([encodeRecord({ type: "sizedEnvelope", payload: big })], d)).toHaveLength(1);
    const small = new RecordDecoder({ maxMessageSize: 10 });
    small.push(encodeRecord({ type: "sizedEnvelope", payload: new Uint8Array(11) }));
    expect(errorOf(() => small.next()).code).toBe("message-too-large");
  });

  it("counts all chunks of an unsized envelope against the maximum", () => {
    const d = new RecordDecoder({ maxMessageSize: 5 });
    d.push(Uint8Array.of(0x05, 0x03, 1, 2, 3, 0x03));
    expect(d.next()).toEqual({ type: "unsizedEnvelopeStart" });
    expect(d.next()).toEqual({ type: "dataChunk", payload: Uint8Array.of(1, 2, 3) });
    const e = errorOf(() => d.next());
    expect(e.code).toBe("message-too-large");
    expect(e.offset).toBe(5);
  });

  it("enforces the §6 Via, content type and upgrade name limits", () => {
    const cases: [number, number, string][] = [
      [0x02, 2049, "via-too-long"],
      [0x04, 257, "content-type-too-long"],
      [0x09, 257, "upgrade-name-too-long"],
      [0x08, 257, "fault-too-long"],
    ];
    for (const [type, size, code] of cases) {
      const d = new RecordDecoder();
      d.push(Uint8Array.of(type, (size & 0x7f) | 0x80, size >> 7));
      const e = errorOf(() => d.next());
      expect(e.code).toBe(code);
      // Windows sends no fault for these (MC-NMF §6 <12>, <15>, <18>).
      expect(e.fault).toBeUndefined();
    }
    const ok = new RecordDecoder();
    const via = `net.tcp://h/${"x".repeat(2048 - 12)}`;
    expect(decodeAll([encodeRecord({ type: "via", via })], ok)).toEqual([{ type: "via", via }]);
  });

  it("rejects zero sizes and overlong sizes inside records", () => {
    for (const [bytes, code] of [
      [[0x02, 0x00], "size-zero"],
      [[0x06, 0x80, 0x00], "size-overlong"],
      [[0x05, 0x01, 0x41, 0x80, 0x00], "size-overlong"],
      [[0x06, 0xff, 0xff, 0xff, 0xff, 0x0f], "size-too-large"],
    ] as const) {
      expect(errorOf(() => decodeAll([Uint8Array.from(bytes)])).code).toBe(code);
    }
  });

  it("rejects ill-formed UTF-8 in string records", () => {
    const e = errorOf(() => decodeAll([Uint8Array.of(0x02, 0x02, 0xc0, 0x80)]));
    expect(e.code).toBe("invalid-utf8");
    expect(e.offset).toBe(0);
  });

  it("rejects reserved record types with InvalidRecordSequence", () => {
    for (const t of [0x0d, 0x42, 0xff]) {
      const e = errorOf(() => decodeAll([Uint8Array.of(0x0b, t)]));
      expect(e.code).toBe("unknown-record-type");
      expect(e.offset).toBe(1);
      expect(e.fault).toBe(faultUri(FaultName.InvalidRecordSequence));
    }
  });

  it("reports a stream cut inside a record at finish()", () => {
    const d = new RecordDecoder();
    d.push(Uint8Array.of(0x06, 0x05, 1, 2));
    expect(d.next()).toBeUndefined();
    expect(errorOf(() => d.finish()).code).toBe("unexpected-eof");
    const clean = new RecordDecoder();
    clean.push(Uint8Array.of(0x07));
    clean.next();
    expect(() => clean.finish()).not.toThrow();
  });

  it("passes everything through in raw mode, within the message limit", () => {
    const d = new RecordDecoder({ maxMessageSize: 4 });
    d.push(Uint8Array.of(0x01, 0x04));
    expect(d.next()).toEqual({ type: "mode", mode: 4 });
    d.enterRawMode();
    d.push(Uint8Array.of(0x07, 0xff));
    expect(d.next()).toEqual({ type: "octets", payload: Uint8Array.of(0x07, 0xff) });
    d.push(Uint8Array.of(1, 2, 3));
    expect(errorOf(() => d.next()).code).toBe("message-too-large");
  });

  it("hands back undecoded bytes for an upgrade", () => {
    const d = new RecordDecoder();
    d.push(Uint8Array.of(0x0a, 0x16, 0x03, 0x01));
    expect(d.next()).toEqual({ type: "upgradeResponse" });
    expect([...d.takeBuffered()]).toEqual([0x16, 0x03, 0x01]);
    expect(d.next()).toBeUndefined();
  });
});

describe("RecordDecoder and Node Buffers", () => {
  it("returns plain copies, never views of the caller's Buffer", () => {
    const input = Buffer.from([0x06, 0x02, 0x01, 0x02]);
    const d = new RecordDecoder();
    d.push(input);
    const r = d.next();
    expect(r).toEqual({ type: "sizedEnvelope", payload: Uint8Array.of(1, 2) });
    input[2] = 0xff;
    expect(r?.type === "sizedEnvelope" && r.payload[0]).toBe(1);
    expect(Buffer.isBuffer(r?.type === "sizedEnvelope" ? r.payload : undefined)).toBe(false);
  });
});
