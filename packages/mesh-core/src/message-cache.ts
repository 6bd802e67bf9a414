/**
 * The MessageId cache (MC-PRCH §3.1.1; Windows layout from §7 note <3> and PeerFlooder.cs
 * ListManager): N buckets, the current one receives new ids, and each rotation clears the oldest
 * and makes it current. With 5 buckets rotated every 60 s an id lives 4–5 minutes, meeting the
 * "at least 5 minutes" SHOULD only at the upper end — that is what Windows does.
 */
export class MessageIdCache {
  // One map from id to the generation it was recorded in, so a lookup is one
  // hash probe whatever the bucket count; each bucket lists its ids so a
  // rotation can forget them. Generation g lives in bucket g mod bucketCount.
  private readonly generationOf = new Map<string, number>();
  private readonly buckets: string[][];
  private generation = 0;
  private readonly maxPerBucket: number;

  /**
   * @param bucketCount number of buckets (Windows: 5)
   * @param maxPerBucket quota on ids per bucket; when a bucket is full the cache rotates early so
   *   memory stays bounded under a flood of unique ids
   */
  constructor(bucketCount = 5, maxPerBucket = 1 << 17) {
    this.buckets = Array.from({ length: Math.max(1, bucketCount) }, () => []);
    this.maxPerBucket = maxPerBucket;
  }

  /**
   * How many rotations ago `key` was recorded: 0 = current bucket, up to bucketCount-1;
   * -1 when it is not in the cache.
   */
  age(key: string): number {
    const g = this.generationOf.get(key);
    return g === undefined ? -1 : this.generation - g;
  }

  /** Record `key` in the current bucket. */
  add(key: string): void {
    let b = this.buckets[this.generation % this.buckets.length]!;
    if (b.length >= this.maxPerBucket) {
      this.rotate();
      b = this.buckets[this.generation % this.buckets.length]!;
    }
    if (this.generationOf.get(key) === this.generation) return;
    this.generationOf.set(key, this.generation);
    b.push(key);
  }

  /** Advance to the next bucket, forgetting what it held. */
  rotate(): void {
    this.generation++;
    const i = this.generation % this.buckets.length;
    const expired = this.generation - this.buckets.length;
    for (const key of this.buckets[i]!) {
      // A key recorded again since (after it had expired) belongs to a newer bucket.
      if (this.generationOf.get(key) === expired) this.generationOf.delete(key);
    }
    this.buckets[i] = [];
  }

  /** Total ids held. */
  get size(): number {
    return this.generationOf.size;
  }
}
