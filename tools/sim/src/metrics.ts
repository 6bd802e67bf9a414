import type { MessageTrack, Simulator } from "./sim.js";

/** Delivery figures of one application message. */
export interface MessageReport {
  readonly msg: number;
  /** Nodes expected to receive it (alive at send time and still alive now). */
  readonly expected: number;
  readonly delivered: number;
  /** Fraction delivered. */
  readonly reach: number;
  /** ms from send until 99% / 100% of expected nodes had it (NaN if never reached). */
  readonly t99: number;
  readonly t100: number;
  /** Largest hop count of a first copy (hops to 100% delivery when reach is 1). */
  readonly maxHops: number;
  /** Extra copies per delivered node: (arrivals − first copies) / deliveries. */
  readonly duplicatesPerDelivery: number;
}

/** Summarise one tracked message over the nodes still alive. */
export function messageReport(sim: Simulator, t: MessageTrack): MessageReport {
  const times: number[] = [];
  let expected = 0;
  let maxHops = 0;
  let delivered = 0;
  for (const n of sim.nodes) {
    if (t.expected[n.index] !== 1 || !n.alive) continue;
    expected++;
    const at = t.deliveredAt[n.index]!;
    if (!Number.isNaN(at)) {
      delivered++;
      times.push(at - t.sentAt);
      maxHops = Math.max(maxHops, t.hops[n.index]!);
    }
  }
  times.sort((a, b) => a - b);
  const timeFor = (frac: number): number => {
    const k = Math.ceil(expected * frac);
    return k <= times.length && k > 0 ? times[k - 1]! : Number.NaN;
  };
  // The sender's own copy is a loopback, not an arrival.
  const remote = Math.max(0, t.deliveries - 1);
  return {
    msg: t.msg,
    expected,
    delivered,
    reach: expected === 0 ? 1 : delivered / expected,
    t99: timeFor(0.99),
    t100: timeFor(1),
    maxHops,
    duplicatesPerDelivery: t.deliveries === 0 ? 0 : (t.arrivals - remote) / t.deliveries,
  };
}

/** Connected components of the live nodes (union–find over Connected links). */
export function components(
  adj: readonly (readonly number[])[],
  alive: (i: number) => boolean,
): number[][] {
  const parent = adj.map((_, i) => i);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    let y = x;
    while (parent[y] !== r) {
      const next = parent[y]!;
      parent[y] = r;
      y = next;
    }
    return r;
  };
  adj.forEach((ns, i) => {
    if (!alive(i)) return;
    for (const j of ns) {
      if (!alive(j)) continue;
      const a = find(i);
      const b = find(j);
      if (a !== b) parent[a] = b;
    }
  });
  const groups = new Map<number, number[]>();
  adj.forEach((_, i) => {
    if (!alive(i)) return;
    const r = find(i);
    const g = groups.get(r);
    if (g === undefined) groups.set(r, [i]);
    else g.push(i);
  });
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/** How many live nodes have each neighbor count. */
export function degreeHistogram(
  adj: readonly (readonly number[])[],
  alive: (i: number) => boolean,
): Map<number, number> {
  const h = new Map<number, number>();
  adj.forEach((ns, i) => {
    if (!alive(i)) return;
    h.set(ns.length, (h.get(ns.length) ?? 0) + 1);
  });
  return new Map([...h].sort((a, b) => a[0] - b[0]));
}

/** Snapshot of the mesh shape. */
export interface MeshShape {
  readonly alive: number;
  readonly components: number;
  readonly largestComponent: number;
  readonly degrees: Map<number, number>;
  readonly meanDegree: number;
}

export function meshShape(sim: Simulator): MeshShape {
  const adj = sim.adjacency();
  const alive = (i: number) => sim.nodes[i]!.alive;
  const comps = components(adj, alive);
  const degrees = degreeHistogram(adj, alive);
  let total = 0;
  let count = 0;
  for (const [d, k] of degrees) {
    total += d * k;
    count += k;
  }
  return {
    alive: count,
    components: comps.length,
    largestComponent: comps[0]?.length ?? 0,
    degrees,
    meanDegree: count === 0 ? 0 : total / count,
  };
}
