import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Mode,
  NmfError,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
  type NmfSession,
  inspectStream,
  RecordDecoder,
} from "../src/index.js";
import * as v41 from "./vectors/duplex-4.1.js";

/** Splits `bytes` at the given cut lengths (the last piece takes the rest). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of cuts) {
    if (at >= bytes.length) break;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  if (at < bytes.length) out.push(bytes.subarray(at));
  return out;
}

/** Feeds chunks; receive() itself must never throw, and errors surface as NmfError events. */
function drive(s: NmfSession, chunks: Uint8Array[], eof: boolean): NmfEvent[] {
  const events: NmfEvent[] = [];
  for (const c of chunks) events.push(...s.receive(c));
  if (eof) events.push(...s.receiveEof());
  for (const e of events) if (e.type === "error") expect(e.error).toBeInstanceOf(NmfError);
  const closedAt = events.findIndex((e) => e.type === "closed");
  if (closedAt >= 0) expect(closedAt).toBe(events.length - 1);
  return events;
}

const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 });
// Bytes biased towards record types and size octets.
const wireByte = fc.oneof(fc.integer({ min: 0, max: 0x0d }), fc.integer({ min: 0, max: 255 }));
const junk = fc.array(wireByte, { maxLength: 400 }).map((a) => Uint8Array.from(a));

describe("fuzzing the sessions", () => {
  it("random bytes into a receiver never throw", () => {
    fc.assert(
      fc.property(junk, cuts, fc.boolean(), (bytes, c, eof) => {
        drive(new NmfReceiver({ maxMessageSize: 200 }), chunk(bytes, c), eof);
      }),
      { numRuns: 400 },
    );
  });

  it("random bytes after a valid preamble never throw", () => {
    fc.assert(
      fc.property(junk, cuts, fc.boolean(), (bytes, c, eof) => {
        const wire = Uint8Array.from([...v41.PREAMBLE, ...bytes]);
        drive(new NmfReceiver({ upgrades: ["application/ssl-tls"] }), chunk(wire, c), eof);
      }),
      { numRuns: 300 },
    );
  });

  it("mutated copies of the §4.1 stream never throw", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(v41.STREAM_A.length - 1), fc.nat(255)), {
          minLength: 1,
          maxLength: 4,
        }),
        cuts,
        (edits, c) => {
          const wire = v41.STREAM_A.slice();
          for (const [at, value] of edits) wire[at] = value;
          drive(new NmfReceiver(), chunk(wire, c), true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random bytes into initiators of every mode never throw", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Mode.SingletonUnsized, Mode.Duplex, Mode.Simplex, Mode.SingletonSized),
        junk,
        cuts,
        fc.boolean(),
        (mode, bytes, c, eof) => {
          const s = new NmfInitiator({ mode, via: "net.tcp://h/", encoding: 8 });
          s.start();
          drive(s, chunk(bytes, c), eof);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random bytes into the bare decoder only ever throw NmfError", () => {
    fc.assert(
      fc.property(junk, cuts, (bytes, c) => {
        const d = new RecordDecoder({ maxMessageSize: 100 });
        try {
          for (const piece of chunk(bytes, c)) {
            d.push(piece);
            for (let i = 0; i < 1000 && d.next() !== undefined; i++);
          }
          d.finish();
        } catch (e) {
          expect(e).toBeInstanceOf(NmfError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("inspectStream (the CLI) never throws on random or mutated captures", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          junk,
          fc.tuple(fc.nat(v41.STREAM_A.length - 1), fc.nat(255)).map(([at, value]) => {
            const w = v41.STREAM_A.slice();
            w[at] = value;
            return w;
          }),
        ),
        (bytes) => {
          const r = inspectStream(bytes, { maxMessageSize: 1000 });
          if (r.error !== undefined) expect(r.error).toBeInstanceOf(NmfError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
