/** Summary of repeated samples of one measurement. */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly mean: number;
  /** Relative spread: (max - min) / median, 0 when there is one sample. */
  readonly spread: number;
  readonly samples: number;
}

/** The value below which `q` (0..1) of the sorted values fall, by linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty set");
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[sorted.length - 1]!;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("no samples to summarise");
  const sorted = [...values].sort((x, y) => x - y);
  const median = quantile(sorted, 0.5);
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    min,
    median,
    max,
    mean,
    spread: median === 0 ? 0 : (max - min) / median,
    samples: sorted.length,
  };
}
