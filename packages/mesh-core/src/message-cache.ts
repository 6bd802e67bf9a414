/**
 * The MessageId cache (MC-PRCH §3.1.1; Windows layout from §7 note <3> and PeerFlooder.cs
 * ListManager): N buckets, the current one receives new ids, and each rotation clears the oldest
 * and makes it current. With 5 buckets rotated every 60 s an id lives 4–5 minutes, meeting the
 * "at least 5 minutes" SHOULD only at the upper end — that is what Windows does.
 */
export class MessageIdCache {
  private readonly buckets: Set<string>[];
  private current = 0;
  private readonly maxPerBucket: number;

  /**
   * @param bucketCount number of buckets (Windows: 5)
   * @param maxPerBucket quota on ids per bucket; when a bucket is full the cache rotates early so
   *   memory stays bounded under a flood of unique ids
   */
  constructor(bucketCount = 5, maxPerBucket = 1 << 17) {
    this.buckets = Array.from({ length: Math.max(1, bucketCount) }, () => new Set<string>());
    this.maxPerBucket = maxPerBucket;
  }

  /**
   * How many rotations ago `key` was recorded: 0 = current bucket, up to bucketCount-1;
   * -1 when it is not in the cache.
   */
  age(key: string): number {
    const n = this.buckets.length;
    for (let a = 0; a < n; a++) {
      if (this.buckets[(this.current - a + n) % n]!.has(key)) return a;
    }
    return -1;
  }

  /** Record `key` in the current bucket. */
  add(key: string): void {
    let b = this.buckets[this.current]!;
    if (b.size >= this.maxPerBucket) {
      this.rotate();
      b = this.buckets[this.current]!;
    }
    b.add(key);
  }

  /** Advance to the next bucket, forgetting what it held. */
  rotate(): void {
    this.current = (this.current + 1) % this.buckets.length;
    this.buckets[this.current]!.clear();
  }

  /** Total ids held. */
  get size(): number {
    let s = 0;
    for (const b of this.buckets) s += b.size;
    return s;
  }
}
