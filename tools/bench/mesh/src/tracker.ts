/**
 * Records, for one phase, which node has which message and when. The arrays are
 * sized once from the phase's message count and node count (both chosen by the
 * benchmark, never read from the wire), so `record` allocates nothing.
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
  #seen: Uint8Array;
  #delivered = 0;
  #deliveredAll = 0;
  /**
   * Deliveries after this time (performance.now() clock) do not count for the
   * phase's rate, loss or latency: the issue asks for "the count delivered within
   * 60 s". A saturated event loop can run timers late, so the cut is made here,
   * on each delivery's own timestamp, not by when the workload's timer fires.
   */
  cutoff = Number.POSITIVE_INFINITY;
  /** Distinct deliveries that arrived after `cutoff`. */
  late = 0;
  /** Deliveries of a message a node already had, or by the sender to itself. */
  redundant = 0;
  /** Deliveries whose sequence number is outside the phase. */
  stray = 0;
  lastDeliveryAt = Number.NaN;
  #onComplete: (() => void) | null = null;

  constructor(n: number, count: number, sender: number) {
    if (n < 2) throw new RangeError("a phase needs at least 2 nodes");
    this.n = n;
    this.count = count;
    this.sender = sender;
    this.receivers = n - 1;
    // Integer arithmetic: 0.95 * x in floating point can land just above an integer.
    this.quorum = Math.ceil((95 * this.receivers) / 100);
    this.sentAt = new Float64Array(count).fill(Number.NaN);
    this.quorumAt = new Float64Array(count).fill(Number.NaN);
    this.completeAt = new Float64Array(count).fill(Number.NaN);
    this.perMessage = new Uint32Array(count);
    this.perNode = new Uint32Array(n);
    this.#seen = new Uint8Array(n * count);
  }

  /** Distinct (node, message) deliveries so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Distinct deliveries including late ones: the work the costs are divided by. */
  get deliveredAll(): number {
    return this.#deliveredAll;
  }

  /** Deliveries needed for every receiver to have every message. */
  get expected(): number {
    return this.count * this.receivers;
  }

  get complete(): boolean {
    return this.#delivered === this.expected;
  }

  /** Registers the callback run once when the last expected delivery arrives. */
  whenComplete(cb: () => void): void {
    if (this.complete) cb();
    else this.#onComplete = cb;
  }

  record(node: number, seq: number, t: number): void {
    if (seq >= this.count || node < 0 || node >= this.n) {
      this.stray++;
      return;
    }
    const at = node * this.count + seq;
    if (node === this.sender || this.#seen[at] !== 0) {
      this.redundant++;
      return;
    }
    this.#seen[at] = 1;
    this.#deliveredAll++;
    if (t > this.cutoff) {
      this.late++;
      return;
    }
    this.#delivered++;
    this.lastDeliveryAt = t;
    this.perNode[node]!++;
    const k = ++this.perMessage[seq]!;
    if (k === this.quorum) this.quorumAt[seq] = t;
    if (k === this.receivers) this.completeAt[seq] = t;
    if (this.#delivered === this.expected && this.#onComplete !== null) {
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
