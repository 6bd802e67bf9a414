import { isIPv6 } from "node:net";
import type { PeerNodeAddress } from "./model.js";

/** The scope of an IPv6 link-local (fe80::/10) or site-local (fec0::/10) literal; undefined otherwise. */
export function scopedScope(ip: string): string | undefined {
  const pct = ip.indexOf("%");
  const bare = pct < 0 ? ip : ip.slice(0, pct);
  if (!isIPv6(bare)) return undefined;
  const first = bare.split(":")[0] ?? "";
  const hextet = first === "" ? 0 : Number.parseInt(first, 16);
  const prefix = hextet & 0xffc0;
  if (prefix !== 0xfe80 && prefix !== 0xfec0) return undefined;
  return pct < 0 ? "0" : ip.slice(pct + 1);
}

/**
 * Drops the resolved addresses Windows' resolver client drops (WINDOWS-NOTES §1.7,
 * PeerDefaultCustomResolverClient): a PeerNodeAddress whose link-local and site-local IPs do not
 * all carry the same scope id cannot be told apart from another host's, so it is not used. The
 * same rule makes a Welcome referral invalid (WINDOWS-NOTES §1.4).
 */
export function dropMixedScopeAddresses(addresses: readonly PeerNodeAddress[]): PeerNodeAddress[] {
  return addresses.filter((a) => {
    let scope: string | undefined;
    for (const ip of a.IPAddresses) {
      const s = scopedScope(ip);
      if (s === undefined) continue;
      if (scope === undefined) scope = s;
      else if (scope !== s) return false;
    }
    return true;
  });
}
