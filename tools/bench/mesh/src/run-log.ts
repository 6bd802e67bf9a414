import { performance } from "node:perf_hooks";
import type { WireStats } from "./impl.js";
import { DeliveryTracker } from "./tracker.js";

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable between
 * threads (each thread's `performance.now()` has its own origin).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time of the whole process (every thread), µs. */
export function cpuNowUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Where a run is. */
export const Stage = { Forming: 0, Latency: 1, Throughput: 2, Measured: 3 } as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** How a phase ended; `Running` read after the run means the watchdog stopped it. */
export const Ended = { Running: 0, Complete: 1, Cap: 2, Idle: 3 } as const;
export type Ended = (typeof Ended)[keyof typeof Ended];

const H = { stage: 0, runStartAt: 1, formMs: 2 } as const;
const HEADER = 4;

const M = {
  startAt: 0,
  sendEndAt: 1,
  sent: 2,
  ended: 3,
  endAt: 4,
  copies0: 5,
  bytes0: 6,
  cpu0: 7,
  copies: 8,
  bytes: 9,
  cpu: 10,
  deliveredAll: 11,
} as const;
const META = 12;

/** How often (in distinct deliveries) a phase refreshes its cost snapshot. */
const SNAPSHOT_EVERY = 128;

/**
 * One measured phase: its delivery tracker plus when it started and ended and a
 * snapshot of the cost counters, all in shared memory.
 */
export class PhaseLog {
  readonly tracker: DeliveryTracker;
  readonly #m: Float64Array;

  static bytesFor(n: number, count: number): number {
    return 8 * META + DeliveryTracker.bytesFor(n, count);
  }

  constructor(
    n: number,
    count: number,
    sender: number,
    buffer: ArrayBufferLike,
    offset: number,
    fresh: boolean,
  ) {
    this.#m = new Float64Array(buffer, offset, META);
    if (fresh) this.#m.fill(Number.NaN);
    if (fresh) this.#m[M.ended] = Ended.Running;
    this.tracker = new DeliveryTracker(n, count, sender, buffer, offset + 8 * META, fresh);
  }

  get startAt(): number {
    return this.#m[M.startAt]!;
  }
  get sendEndAt(): number {
    return this.#m[M.sendEndAt]!;
  }
  get sent(): number {
    return this.#m[M.sent]!;
  }
  set sent(v: number) {
    this.#m[M.sent] = v;
  }
  get ended(): Ended {
    return this.#m[M.ended] as Ended;
  }
  get endAt(): number {
    return this.#m[M.endAt]!;
  }

  /** Marks the start and takes the baseline of the cost counters. */
  begin(wire: WireStats, capMs: number): void {
    const t = now();
    this.#m[M.startAt] = t;
    this.#m[M.sent] = 0;
    this.#m[M.copies0] = wire.copies;
    this.#m[M.bytes0] = wire.bytes;
    this.#m[M.cpu0] = cpuNowUs();
    this.snapshot(wire);
    this.tracker.cutoff = t + capMs;
  }

  sendDone(): void {
    this.#m[M.sendEndAt] = now();
  }

  end(why: Exclude<Ended, 0>): void {
    this.#m[M.endAt] = now();
    this.#m[M.ended] = why;
  }

  /** Records the cost counters together with the deliveries they paid for. */
  snapshot(wire: WireStats): void {
    const m = this.#m;
    m[M.copies] = wire.copies;
    m[M.bytes] = wire.bytes;
    m[M.cpu] = cpuNowUs();
    m[M.deliveredAll] = this.tracker.deliveredAll;
  }

  /** Takes a snapshot every few deliveries; cheap enough for the delivery path. */
  maybeSnapshot(wire: () => WireStats): void {
    if (this.tracker.deliveredAll % SNAPSHOT_EVERY === 0) this.snapshot(wire());
  }

  /** Costs per distinct delivery between `begin` and the last snapshot. */
  costs(): { copiesPerDelivery: number; bytesPerDelivery: number; cpuPerDeliveryUs: number } {
    const m = this.#m;
    const d = m[M.deliveredAll]!;
    const per = (x: number) => (d > 0 ? x / d : Number.NaN);
    return {
      copiesPerDelivery: per(m[M.copies]! - m[M.copies0]!),
      bytesPerDelivery: per(m[M.bytes]! - m[M.bytes0]!),
      cpuPerDeliveryUs: per(m[M.cpu]! - m[M.cpu0]!),
    };
  }
}

/** Sizes of a run, as far as the log's layout depends on them. */
export interface RunShape {
  readonly n: number;
  readonly sender: number;
  readonly latencyCount: number;
  readonly throughputCount: number;
}

/**
 * Everything a run measures, in one buffer. In-process runs use a private
 * buffer; isolated runs give a `SharedArrayBuffer` to a worker thread and build
 * the result from it on the main thread, even when the worker had to be
 * terminated mid-phase.
 */
export class RunLog {
  readonly buffer: ArrayBufferLike;
  readonly latency: PhaseLog;
  readonly throughput: PhaseLog;
  readonly #h: Float64Array;

  static bytesFor(s: RunShape): number {
    return (
      8 * HEADER +
      PhaseLog.bytesFor(s.n, s.latencyCount) +
      PhaseLog.bytesFor(s.n, s.throughputCount)
    );
  }

  /** A new log in a fresh buffer (shared when `shared`), or attached to `existing`. */
  constructor(s: RunShape, shared: boolean, existing?: ArrayBufferLike) {
    const size = RunLog.bytesFor(s);
    const fresh = existing === undefined;
    this.buffer = existing ?? (shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    this.#h = new Float64Array(this.buffer, 0, HEADER);
    if (fresh) {
      this.#h.fill(Number.NaN);
      this.#h[H.stage] = Stage.Forming;
    }
    let at = 8 * HEADER;
    this.latency = new PhaseLog(s.n, s.latencyCount, s.sender, this.buffer, at, fresh);
    at += PhaseLog.bytesFor(s.n, s.latencyCount);
    this.throughput = new PhaseLog(s.n, s.throughputCount, s.sender, this.buffer, at, fresh);
  }

  get stage(): Stage {
    return this.#h[H.stage] as Stage;
  }
  set stage(v: Stage) {
    this.#h[H.stage] = v;
  }
  get runStartAt(): number {
    return this.#h[H.runStartAt]!;
  }
  set runStartAt(v: number) {
    this.#h[H.runStartAt] = v;
  }
  get formMs(): number {
    return this.#h[H.formMs]!;
  }
  set formMs(v: number) {
    this.#h[H.formMs] = v;
  }
}
