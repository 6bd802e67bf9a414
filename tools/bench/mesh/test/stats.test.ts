import { quantile } from "@prch/bench";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/args.js";
import { HEADER_SIZE, makePayload, Phase, payloadPhase, payloadSeq } from "../src/payload.js";
import { summariseRuns } from "../src/report.js";
import { Ended, RunLog, Stage } from "../src/run-log.js";
import { censoredQuantile, DeliveryTracker } from "../src/tracker.js";

describe("censoredQuantile", () => {
  it("equals the harness quantile on finite values", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, q) => {
          const sorted = [...xs].sort((a, b) => a - b);
          expect(censoredQuantile(sorted, q)).toBeCloseTo(quantile(sorted, q), 6);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("turns infinite once the interpolation touches a lost message", () => {
    const sorted = [1, 2, 3, Number.POSITIVE_INFINITY];
    expect(censoredQuantile(sorted, 0.5)).toBe(2.5);
    expect(censoredQuantile(sorted, 2 / 3)).toBeCloseTo(3, 9);
    expect(censoredQuantile(sorted, 0.99)).toBe(Number.POSITIVE_INFINITY);
    expect(censoredQuantile([], 0.5)).toBeNaN();
  });

  it("p99 of 200 latencies ignores one loss but not three", () => {
    const base = Array.from({ length: 200 }, (_, i) => i + 1);
    const oneLost = [...base.slice(0, 199), Number.POSITIVE_INFINITY];
    const threeLost = [...base.slice(0, 197), ...Array(3).fill(Number.POSITIVE_INFINITY)];
    expect(Number.isFinite(censoredQuantile(oneLost, 0.99))).toBe(true);
    expect(censoredQuantile(threeLost, 0.99)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("summariseRuns", () => {
  it("gives min/median/max of three runs", () => {
    const s = summariseRuns([30, 10, 20])!;
    expect([s.min, s.median, s.max]).toEqual([10, 20, 30]);
  });

  it("keeps order statistics exact with a lost run and skips NaN", () => {
    const s = summariseRuns([5, Number.POSITIVE_INFINITY, Number.NaN, 7])!;
    expect([s.min, s.median, s.max]).toEqual([5, 7, Number.POSITIVE_INFINITY]);
    expect(s.samples).toBe(3);
    expect(summariseRuns([Number.NaN])).toBeUndefined();
  });
});

describe("DeliveryTracker", () => {
  it("records first-copy times, the 95% quorum and completion", () => {
    // 21 nodes: sender 0 and 20 receivers, so the quorum is 19.
    const t = new DeliveryTracker(21, 2, 0);
    expect(t.quorum).toBe(19);
    let completeCalls = 0;
    t.whenComplete(() => completeCalls++);
    t.sentAt[0] = 0;
    t.sentAt[1] = 0;
    for (let node = 1; node <= 20; node++) t.record(node, 0, node * 10);
    expect(t.quorumAt[0]).toBe(190);
    expect(t.completeAt[0]).toBe(200);
    t.record(5, 0, 999); // duplicate
    t.record(0, 1, 999); // the sender itself
    t.record(3, 7, 999); // outside the phase
    expect(t.redundant).toBe(2);
    expect(t.stray).toBe(1);
    expect(t.complete).toBe(false);
    for (let node = 1; node <= 20; node++) t.record(node, 1, 1000 + node);
    expect(t.complete).toBe(true);
    expect(completeCalls).toBe(1);
    expect(t.delivered).toBe(40);
    expect([...t.perNode]).toEqual([0, ...Array(20).fill(2)]);
    expect(t.latencies(t.completeAt)).toEqual([200, 1020]);
  });

  it("leaves deliveries after the cutoff out of the phase but counts them as work", () => {
    const t = new DeliveryTracker(3, 2, 0);
    t.cutoff = 100;
    t.sentAt[0] = 0;
    t.sentAt[1] = 0;
    t.record(1, 0, 50);
    t.record(2, 0, 100);
    t.record(1, 1, 101);
    t.record(1, 1, 102); // a duplicate of a late one is still a duplicate
    expect(t.delivered).toBe(2);
    expect(t.deliveredAll).toBe(3);
    expect(t.late).toBe(1);
    expect(t.redundant).toBe(1);
    expect(t.lastDeliveryAt).toBe(100);
    expect(t.latencies(t.completeAt)).toEqual([100, Number.POSITIVE_INFINITY]);
  });

  it("reports a message nobody completed as an infinite latency", () => {
    const t = new DeliveryTracker(3, 2, 0);
    t.sentAt[0] = 1;
    t.sentAt[1] = 2;
    t.record(1, 0, 5);
    t.record(2, 0, 6);
    t.record(1, 1, 7);
    expect(t.latencies(t.completeAt)).toEqual([5, Number.POSITIVE_INFINITY]);
    expect(t.expected - t.delivered).toBe(1);
  });
});

describe("payload", () => {
  it("round-trips phase and sequence number at any size", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Phase.Probe, Phase.Latency, Phase.Throughput),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: HEADER_SIZE, max: 2048 }),
        (phase, seq, size) => {
          const p = makePayload(phase, seq, size);
          expect(p).toHaveLength(size);
          expect(payloadPhase(p)).toBe(phase);
          expect(payloadSeq(p)).toBe(seq);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("does not mistake other bytes for a benchmark message", () => {
    expect(payloadPhase(new Uint8Array(1024))).toBe(0);
    expect(payloadPhase(new Uint8Array([0xb5, 2]))).toBe(0);
    expect(makePayload(Phase.Latency, 1, 64)).not.toEqual(makePayload(Phase.Latency, 2, 64));
  });
});

describe("parseArgs", () => {
  it("reads the issue's flags", () => {
    const a = parseArgs(
      ["--impl", "floodsub,gossipsub", "--n", "10,30", "--runs", "3", "--quick"],
      {},
    );
    expect(a).toMatchObject({
      impls: ["floodsub", "gossipsub"],
      sizes: [10, 30],
      runs: 3,
      quick: true,
    });
  });

  it("defaults to every implementation, N = 10 and 30, three full runs", () => {
    const a = parseArgs([], {});
    expect(a.impls).toEqual(["prch-none", "prch-password", "floodsub", "gossipsub"]);
    expect(a).toMatchObject({
      sizes: [10, 30],
      runs: 3,
      quick: false,
      json: "bench-results/mesh.json",
      inThread: false,
      warmup: 0,
    });
    expect(parseArgs([], { PRCH_BENCH_QUICK: "1" }).quick).toBe(true);
    expect(parseArgs(["--in-thread"], {}).inThread).toBe(true);
    expect(parseArgs(["--warmup", "100"], {}).warmup).toBe(100);
  });

  it("rejects bad values and unknown flags", () => {
    expect(() => parseArgs(["--n", "1"], {})).toThrow(/--n/);
    expect(() => parseArgs(["--runs", "x"], {})).toThrow(/--runs/);
    expect(() => parseArgs(["--bogus", "1"], {})).toThrow(/unknown flag/);
    expect(() => parseArgs(["--impl"], {})).toThrow(/needs a value/);
  });
});

describe("RunLog", () => {
  it("shows another view of the same buffer everything one view recorded", () => {
    const shape = { n: 5, sender: 0, latencyCount: 7, throughputCount: 11 };
    const a = new RunLog(shape, true);
    a.stage = Stage.Throughput;
    a.formMs = 12.5;
    a.throughput.begin({ bytes: 100, copies: 10 }, 60_000);
    const t = a.throughput.tracker;
    t.sentAt[3] = t.cutoff - 60_000;
    for (let node = 1; node < 5; node++) t.record(node, 3, t.sentAt[3]! + node);
    a.throughput.snapshot({ bytes: 900, copies: 26 });
    a.throughput.end(Ended.Complete);
    a.latency.tracker.record(2, 6, 1);

    const b = new RunLog(shape, true, a.buffer);
    expect(b.stage).toBe(Stage.Throughput);
    expect(b.formMs).toBe(12.5);
    expect(b.throughput.ended).toBe(Ended.Complete);
    expect(b.throughput.tracker.delivered).toBe(4);
    expect(b.throughput.tracker.completeAt[3]! - b.throughput.tracker.sentAt[3]!).toBe(4);
    expect(b.throughput.costs()).toMatchObject({ copiesPerDelivery: 4, bytesPerDelivery: 200 });
    expect(b.latency.tracker.delivered).toBe(1);
    expect([...b.latency.tracker.perNode]).toEqual([0, 0, 1, 0, 0]);
    // The two trackers do not overlap.
    expect(b.throughput.tracker.perNode[2]).toBe(1);
  });

  it("lays trackers out without overlap for any shape", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (n, latencyCount, throughputCount) => {
          const log = new RunLog({ n, sender: 0, latencyCount, throughputCount }, false);
          const lt = log.latency.tracker;
          const tt = log.throughput.tracker;
          for (let node = 1; node < n; node++) lt.record(node, latencyCount - 1, 5);
          expect(lt.complete).toBe(latencyCount === 1);
          expect(tt.delivered).toBe(0);
          expect([...tt.perNode].every((x) => x === 0)).toBe(true);
          expect(Number.isNaN(tt.sentAt[0]!)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
