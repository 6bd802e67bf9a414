import { seededRng } from "./rng.js";

/** Who dials whom. Node indices run from 0 to `n - 1`. */
export interface Topology {
  readonly n: number;
  readonly seed: number;
  /** `dials[i]` lists the distinct nodes node `i` dials (never `i` itself). */
  readonly dials: readonly (readonly number[])[];
  /** `neighbours[i]`: every node linked to `i` in either direction, ascending. */
  readonly neighbours: readonly (readonly number[])[];
  /** Number of distinct undirected links. */
  readonly links: number;
}

/** Redraws allowed when a draw leaves the graph split; a split at 3 dials per node is rare. */
const MAX_DRAWS = 100;

function drawDials(n: number, dialsPerNode: number, seed: number, attempt: number): number[][] {
  // Each attempt gets its own stream so a redraw is as deterministic as the first draw.
  const rng = seededRng((seed ^ Math.imul(attempt + 1, 0x9e3779b9)) >>> 0);
  const linked: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  const dials: number[][] = [];
  const k = Math.min(dialsPerNode, n - 1);
  for (let i = 0; i < n; i++) {
    // Prefer nodes that are not linked to i yet, so the 3 dials per node give close to
    // 3n distinct links (mean degree about 6); fall back to already-linked ones only
    // when too few remain (small n).
    const fresh: number[] = [];
    const known: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      (linked[i]!.has(j) ? known : fresh).push(j);
    }
    const picks: number[] = [];
    for (const pool of [fresh, known]) {
      while (picks.length < k && pool.length > 0) {
        const at = rng.int(pool.length);
        picks.push(pool[at]!);
        pool[at] = pool[pool.length - 1]!;
        pool.pop();
      }
    }
    for (const j of picks) {
      linked[i]!.add(j);
      linked[j]!.add(i);
    }
    dials.push(picks);
  }
  return dials;
}

function isConnected(n: number, neighbours: readonly (readonly number[])[]): boolean {
  if (n <= 1) return true;
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  let count = 1;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (const w of neighbours[v]!) {
      if (seen[w] === 0) {
        seen[w] = 1;
        count++;
        stack.push(w);
      }
    }
  }
  return count === n;
}

/**
 * The benchmark's mesh: every node dials `dialsPerNode` (default 3) distinct random
 * others, drawn from a generator seeded with `seed`. The result is a connected
 * graph and depends only on `(n, seed, dialsPerNode)`.
 */
export function makeTopology(n: number, seed: number, dialsPerNode = 3): Topology {
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`a mesh needs at least 2 nodes, got ${n}`);
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const dials = drawDials(n, dialsPerNode, seed, attempt);
    const sets = Array.from({ length: n }, () => new Set<number>());
    dials.forEach((ds, i) => {
      for (const j of ds) {
        sets[i]!.add(j);
        sets[j]!.add(i);
      }
    });
    const neighbours = sets.map((s) => [...s].sort((a, b) => a - b));
    if (!isConnected(n, neighbours)) continue;
    const links = neighbours.reduce((sum, ns) => sum + ns.length, 0) / 2;
    return { n, seed, dials, neighbours, links };
  }
  throw new RangeError(`no connected topology for n=${n}, seed=${seed} in ${MAX_DRAWS} draws`);
}
