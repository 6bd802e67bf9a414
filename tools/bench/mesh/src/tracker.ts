/** Indices of the scalar fields in a tracker's shared `Float64Array`. */
const S = {
  delivered: 0,
  deliveredAll: 1,
  late: 2,
  redundant: 3,
  stray: 4,
  lastDeliveryAt: 5,
  cutoff: 6,
} as const;
const SCALARS = 8;

const align8 = (x: number) => Math.ceil(x / 8) * 8;

/**
 * Records, for one phase, which node has which message and when. Everything
 * lives in one buffer, sized once from the phase's message count and node count
 * (both chosen by the benchmark, never read from the wire), so `record` allocates
 * nothing — and the buffer can be a `SharedArrayBuffer` that another thread reads
 * while (or after) this one is busy: the benchmark's watchdog reads it when a
 * saturated mesh starves its own event loop past the phase cap.
 */
export class DeliveryTracker {
  readonly n: number;
  readonly count: number;
  readonly sender: number;
  /** Receivers per message: every node but the sender. */
  readonly receivers: number;
  /** How many receivers must have a message for the 95% time. */
  readonly quorum: number;
  /** Time each message was handed to `publish` (NaN until sent). */
  readonly sentAt: Float64Array;
  /** Time the `quorum`-th receiver got each message (NaN until then). */
  readonly quorumAt: Float64Array;
  /** Time the last receiver got each message (NaN until then). */
  readonly completeAt: Float64Array;
  /** Distinct receivers per message. */
  readonly perMessage: Uint32Array;
  /** Distinct messages per node. */
  readonly perNode: Uint32Array;
  readonly #s: Float64Array;
  readonly #seen: Uint8Array;
  #onComplete: (() => void) | null = null;

  /** Bytes of buffer a tracker for `n` nodes and `count` messages occupies. */
  static bytesFor(n: number, count: number): number {
    return align8(8 * SCALARS + 8 * 3 * count + 4 * count + 4 * n) + align8(n * count);
  }

  /**
   * With `buffer`, the tracker lives at `offset` in it (`bytesFor` bytes); pass
   * `fresh = false` to attach to a tracker another thread already initialised.
   */
  constructor(
    n: number,
    count: number,
    sender: number,
    buffer?: ArrayBufferLike,
    offset = 0,
    fresh = true,
  ) {
    if (n < 2) throw new RangeError("a phase needs at least 2 nodes");
    this.n = n;
    this.count = count;
    this.sender = sender;
    this.receivers = n - 1;
    // Integer arithmetic: 0.95 * x in floating point can land just above an integer.
    this.quorum = Math.ceil((95 * this.receivers) / 100);
    const buf = buffer ?? new ArrayBuffer(DeliveryTracker.bytesFor(n, count));
    let at = offset;
    const f64 = (len: number) => {
      const a = new Float64Array(buf, at, len);
      at += 8 * len;
      return a;
    };
    this.#s = f64(SCALARS);
    this.sentAt = f64(count);
    this.quorumAt = f64(count);
    this.completeAt = f64(count);
    this.perMessage = new Uint32Array(buf, at, count);
    at += 4 * count;
    this.perNode = new Uint32Array(buf, at, n);
    at += 4 * n;
    this.#seen = new Uint8Array(buf, offset + align8(at - offset), n * count);
    if (fresh) {
      this.#s.fill(0);
      this.#s[S.lastDeliveryAt] = Number.NaN;
      this.#s[S.cutoff] = Number.POSITIVE_INFINITY;
      this.sentAt.fill(Number.NaN);
      this.quorumAt.fill(Number.NaN);
      this.completeAt.fill(Number.NaN);
      this.perMessage.fill(0);
      this.perNode.fill(0);
      this.#seen.fill(0);
    }
  }

  /** Distinct (node, message) deliveries up to `cutoff`. */
  get delivered(): number {
    return this.#s[S.delivered]!;
  }

  /** Distinct deliveries including late ones: the work the costs are divided by. */
  get deliveredAll(): number {
    return this.#s[S.deliveredAll]!;
  }

  /** Distinct deliveries that arrived after `cutoff`. */
  get late(): number {
    return this.#s[S.late]!;
  }

  /** Deliveries of a message a node already had, or by the sender to itself. */
  get redundant(): number {
    return this.#s[S.redundant]!;
  }

  /** Deliveries whose sequence number is outside the phase. */
  get stray(): number {
    return this.#s[S.stray]!;
  }

  /** Time of the last delivery counted in `delivered` (NaN before the first). */
  get lastDeliveryAt(): number {
    return this.#s[S.lastDeliveryAt]!;
  }

  /**
   * Deliveries after this time do not count for the phase's rate, loss or latency:
   * the issue asks for "the count delivered within 60 s". A saturated event loop
   * runs timers late, so the cut is made on each delivery's own timestamp, not by
   * when the workload's timer fires.
   */
  get cutoff(): number {
    return this.#s[S.cutoff]!;
  }

  set cutoff(t: number) {
    this.#s[S.cutoff] = t;
  }

  /** Deliveries needed for every receiver to have every message. */
  get expected(): number {
    return this.count * this.receivers;
  }

  get complete(): boolean {
    return this.delivered === this.expected;
  }

  /** Registers the callback run once (in this thread) when the last expected delivery arrives. */
  whenComplete(cb: () => void): void {
    if (this.complete) cb();
    else this.#onComplete = cb;
  }

  record(node: number, seq: number, t: number): void {
    const s = this.#s;
    if (seq >= this.count || node < 0 || node >= this.n) {
      s[S.stray]!++;
      return;
    }
    const at = node * this.count + seq;
    if (node === this.sender || this.#seen[at] !== 0) {
      s[S.redundant]!++;
      return;
    }
    this.#seen[at] = 1;
    s[S.deliveredAll]!++;
    if (t > s[S.cutoff]!) {
      s[S.late]!++;
      return;
    }
    const delivered = ++s[S.delivered]!;
    s[S.lastDeliveryAt] = t;
    this.perNode[node]!++;
    const k = ++this.perMessage[seq]!;
    if (k === this.quorum) this.quorumAt[seq] = t;
    if (k === this.receivers) this.completeAt[seq] = t;
    if (delivered === this.expected && this.#onComplete !== null) {
      const cb = this.#onComplete;
      this.#onComplete = null;
      cb();
    }
  }

  /**
   * Per-message latency (ms) from `publish` to `at[seq]`; a message that never got
   * there counts as +Infinity so that losses push the high percentiles up rather
   * than vanish from them.
   */
  latencies(at: Float64Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const sent = this.sentAt[i]!;
      const got = at[i]!;
      out.push(Number.isNaN(sent) || Number.isNaN(got) ? Number.POSITIVE_INFINITY : got - sent);
    }
    return out;
  }
}

/**
 * Quantile by linear interpolation over ascending values that may end in
 * +Infinity (lost messages): where the interpolation touches an infinite value
 * the result is infinite.
 */
export function censoredQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo]!;
  if (frac === 0) return a;
  const b = sorted[lo + 1]!;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.POSITIVE_INFINITY;
  return a + (b - a) * frac;
}
