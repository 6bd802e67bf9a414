import { type IpAddress, isLoopback, Scope, scopeOf } from "./ip.js";

// RFC 3484 §2.1 default policy table: prefix, precedence, label.
const POLICY: readonly { prefix: Uint8Array; bits: number; precedence: number; label: number }[] = [
  { prefix: bytesOf([0, 0, 0, 0, 0, 0, 0, 1]), bits: 128, precedence: 50, label: 0 },
  { prefix: bytesOf([0x2002, 0, 0, 0, 0, 0, 0, 0]), bits: 16, precedence: 30, label: 2 },
  { prefix: bytesOf([0, 0, 0, 0, 0, 0xffff, 0, 0]), bits: 96, precedence: 10, label: 4 },
  { prefix: bytesOf([0, 0, 0, 0, 0, 0, 0, 0]), bits: 96, precedence: 20, label: 3 },
  { prefix: bytesOf([0, 0, 0, 0, 0, 0, 0, 0]), bits: 0, precedence: 40, label: 1 },
];

function bytesOf(groups: number[]): Uint8Array {
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Number of leading bits two 16-byte addresses share. */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(x) - 24;
  }
  return n;
}

function policyOf(ip: IpAddress) {
  // Longest matching prefix wins; the table is ordered so the first match is the longest.
  for (const p of POLICY) if (commonPrefixLength(ip.bytes, p.prefix) >= p.bits) return p;
  return POLICY[POLICY.length - 1]!;
}

/**
 * RFC 3484 §5 source address selection, reduced to what a host without
 * deprecated or home addresses needs: same family, prefer the same scope,
 * then a matching label, then the longest common prefix.
 */
export function chooseSource(dest: IpAddress, locals: readonly IpAddress[]): IpAddress | undefined {
  let best: IpAddress | undefined;
  const dScope = scopeOf(dest);
  const dLabel = policyOf(dest).label;
  for (const s of locals) {
    if (s.family !== dest.family) continue;
    if (best === undefined) {
      best = s;
      continue;
    }
    // Rule 1: prefer the same address.
    if (s.address === dest.address) return s;
    // Rule 2: prefer appropriate scope.
    const sb = scopeOf(best);
    const ss = scopeOf(s);
    if (sb !== ss) {
      if (sb < ss ? sb < dScope : ss >= dScope) best = s;
      continue;
    }
    // Rule 6: prefer matching label.
    const lb = policyOf(best).label === dLabel;
    const ls = policyOf(s).label === dLabel;
    if (lb !== ls) {
      if (ls) best = s;
      continue;
    }
    // Rule 8: longest matching prefix.
    if (commonPrefixLength(s.bytes, dest.bytes) > commonPrefixLength(best.bytes, dest.bytes))
      best = s;
  }
  return best;
}

/**
 * Sorts destination addresses most-reliable first, per RFC 3484 §6, as
 * MC-PRCH §3.1.6.4.4 asks before connecting. `locals` are this host's
 * addresses (source candidates). The sort is stable: rule 10 keeps the
 * original order when nothing else decides.
 */
export function sortDestinations(
  dests: readonly IpAddress[],
  locals: readonly IpAddress[],
): IpAddress[] {
  const info = dests.map((d, index) => {
    const src = chooseSource(d, locals);
    return {
      d,
      index,
      src,
      usable: src !== undefined || isLoopback(d),
      scope: scopeOf(d),
      srcScope: src === undefined ? -1 : scopeOf(src),
      policy: policyOf(d),
      srcLabel: src === undefined ? -1 : policyOf(src).label,
      prefix: src === undefined ? 0 : commonPrefixLength(src.bytes, d.bytes),
    };
  });
  info.sort((a, b) => {
    // Rule 1: avoid unusable destinations.
    if (a.usable !== b.usable) return a.usable ? -1 : 1;
    // Rule 2: prefer matching scope.
    const am = a.scope === a.srcScope;
    const bm = b.scope === b.srcScope;
    if (am !== bm) return am ? -1 : 1;
    // Rule 5: prefer matching label.
    const al = a.policy.label === a.srcLabel;
    const bl = b.policy.label === b.srcLabel;
    if (al !== bl) return al ? -1 : 1;
    // Rule 6: prefer higher precedence.
    if (a.policy.precedence !== b.policy.precedence)
      return b.policy.precedence - a.policy.precedence;
    // Rule 8: prefer smaller scope.
    if (a.scope !== b.scope) return a.scope - b.scope;
    // Rule 9: longest matching prefix (same family only).
    if (a.d.family === b.d.family && a.prefix !== b.prefix) return b.prefix - a.prefix;
    // Rule 10: leave the order unchanged.
    return a.index - b.index;
  });
  return info.map((x) => x.d);
}

export { Scope };
