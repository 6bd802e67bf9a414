import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Mode, NmfInitiator, type NmfEvent, NmfReceiver, type NmfSession } from "../src/index.js";

/** Moves one side's output to the other in pieces of the given sizes. */
function deliver(from: NmfSession, to: NmfSession, cuts: number[], into: NmfEvent[]): void {
  const bytes = from.takeOutput();
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = cuts.length === 0 ? bytes.length : cuts[i++ % cuts.length]!;
    into.push(...to.receive(bytes.subarray(at, at + n)));
    at += n;
  }
}

const payloads = fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 8 });
const cuts = fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 6 });

const envelopes = (events: NmfEvent[]) =>
  events.flatMap((e) => (e.type === "envelope" ? [e.payload] : []));

describe("sessions deliver every envelope intact, in order, under any chunking", () => {
  it("duplex, both ways", () => {
    fc.assert(
      fc.property(
        payloads,
        payloads,
        cuts,
        fc.integer({ min: 1, max: 5000 }),
        (ab, ba, c, chunk) => {
          const i = new NmfInitiator({
            mode: Mode.Duplex,
            via: "net.tcp://h/",
            encoding: 8,
            chunkSize: chunk,
          });
          const r = new NmfReceiver();
          const atI: NmfEvent[] = [];
          const atR: NmfEvent[] = [];
          i.start();
          deliver(i, r, c, atR);
          deliver(r, i, c, atI);
          for (const p of ab) i.sendEnvelope(p);
          for (const p of ba) r.sendEnvelope(p);
          atI.push(...i.end());
          deliver(i, r, c, atR);
          atR.push(...r.end());
          deliver(r, i, c, atI);
          expect(envelopes(atR)).toEqual(ab);
          expect(envelopes(atI)).toEqual(ba);
          expect(atR.at(-1)).toEqual({ type: "closed", clean: true });
          expect(atI.at(-1)).toEqual({ type: "closed", clean: true });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("singleton unsized, chunked request and reply", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 5000 })),
        fc.integer({ min: 1, max: 2000 }),
        cuts,
        (request, reply, chunk, c) => {
          const i = new NmfInitiator({
            mode: Mode.SingletonUnsized,
            via: "net.tcp://h/",
            encoding: 7,
            chunkSize: chunk,
          });
          const r = new NmfReceiver({ chunkSize: chunk });
          const atI: NmfEvent[] = [];
          const atR: NmfEvent[] = [];
          i.start();
          deliver(i, r, c, atR);
          deliver(r, i, c, atI);
          i.sendEnvelope(request);
          deliver(i, r, c, atR);
          expect(envelopes(atR)).toEqual([request]);
          if (reply === null) r.end();
          else r.sendEnvelope(reply);
          deliver(r, i, c, atI);
          expect(envelopes(atI)).toEqual(reply === null ? [] : [reply]);
          expect(atI.at(-1)).toEqual({ type: "closed", clean: true });
          expect(r.closed && i.closed).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("simplex and singleton sized, one way", () => {
    fc.assert(
      fc.property(payloads, cuts, (ps, c) => {
        const i = new NmfInitiator({ mode: Mode.Simplex, via: "net.tcp://h/", encoding: 3 });
        const r = new NmfReceiver();
        const atR: NmfEvent[] = [];
        i.start();
        for (const p of ps) i.sendEnvelope(p);
        i.end();
        deliver(i, r, c, atR);
        expect(envelopes(atR)).toEqual(ps);
        expect(atR.at(-1)).toEqual({ type: "closed", clean: true });
        expect(r.hasOutput).toBe(false);

        const message = ps[0] ?? Uint8Array.of(0);
        const si = new NmfInitiator({
          mode: Mode.SingletonSized,
          via: "net.tcp://h/",
          encoding: 3,
        });
        const sr = new NmfReceiver();
        const atS: NmfEvent[] = [];
        si.start();
        si.sendEnvelope(message);
        deliver(si, sr, c, atS);
        atS.push(...sr.receiveEof());
        expect(envelopes(atS)).toEqual([message]);
      }),
      { numRuns: 150 },
    );
  });
});
