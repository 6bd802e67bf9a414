import type { PeerNodeAddress, Referral } from "./messages.js";

/** Windows caps a Via at 4096 UTF-8 bytes (WINDOWS-NOTES §1.1); we apply the same bound to URIs. */
export const MAX_URI_LENGTH = 4096;
/** Bound on IP addresses per PeerNodeAddress we accept from the wire (quota, raisable). */
export const MAX_IP_ADDRESSES = 64;

const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]*$/;

/** True if `s` looks like an absolute hierarchical URI (`scheme://…`) of sane length. */
export function isUri(s: unknown): s is string {
  if (typeof s !== "string") return false;
  // Every copy of every flood on a channel repeats the same PeerVia/PeerTo.
  if (s === lastUris[0] || s === lastUris[1]) return true;
  if (s.length > MAX_URI_LENGTH || !URI_RE.test(s)) return false;
  lastUris[1] = lastUris[0];
  lastUris[0] = s;
  return true;
}
const lastUris: [string | undefined, string | undefined] = [undefined, undefined];

/** Parse an IPv4 dotted quad; returns the 4 bytes or null. */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** A parsed IPv6 literal: eight 16-bit groups and an optional scope id. */
export interface IPv6 {
  readonly groups: readonly number[];
  readonly scope: string | undefined;
}

/** Parse an IPv6 literal (with `::`, embedded IPv4 and `%scope`); null if malformed. */
export function parseIPv6(s: string): IPv6 | null {
  let scope: string | undefined;
  let text = s;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    scope = s.slice(pct + 1);
    text = s.slice(0, pct);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(scope)) return null;
  }
  if (text.length === 0 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === "") return [];
    const out: number[] = [];
    const pieces = side.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return null;
      out.push(Number.parseInt(p, 16));
    }
    return out;
  };
  const head = parseSide(halves[0]!);
  if (head === null) return null;
  if (halves.length === 1) {
    return head.length === 8 ? { groups: head, scope } : null;
  }
  const tail = parseSide(halves[1]!);
  if (tail === null || head.length + tail.length > 7) return null;
  const fill = new Array<number>(8 - head.length - tail.length).fill(0);
  return { groups: [...head, ...fill, ...tail], scope };
}

/** True if `s` is a valid IPv4 or IPv6 literal. */
export function isIPAddress(s: unknown): s is string {
  return typeof s === "string" && (parseIPv4(s) !== null || parseIPv6(s) !== null);
}

/** Scope of an IPv6 link-local (fe80::/10) literal, or null if it is not link-local. */
function linkLocalScope(ip: string): string | null {
  const v6 = parseIPv6(ip);
  if (v6 === null) return null;
  if ((v6.groups[0]! & 0xffc0) !== 0xfe80) return null;
  return v6.scope ?? "";
}

/** Why an address or referral failed validation, or null when it is valid. */
export type AddressProblem =
  | "not-net.tcp"
  | "bad-uri"
  | "no-ip-addresses"
  | "too-many-ip-addresses"
  | "bad-ip-address"
  | "mixed-link-local-scopes"
  | "zero-node-id";

/**
 * Validate a PeerNodeAddress received from the wire (MC-PRCH §2.2.2.2). Windows only accepts
 * `net.tcp` node addresses (WINDOWS-NOTES §1.1 — the spec's §2.2.2.7 says net.p2p, which Windows
 * rejects), at least one IP, and link-local addresses that agree on one scope (PeerMaintainer
 * AddReferrals).
 */
export function addressProblem(
  a: PeerNodeAddress | null | undefined,
  maxIPs = MAX_IP_ADDRESSES,
): AddressProblem | null {
  if (a === null || a === undefined || typeof a !== "object") return "bad-uri";
  if (!isUri(a.EndpointAddress)) return "bad-uri";
  if (!/^net\.tcp:\/\//i.test(a.EndpointAddress)) return "not-net.tcp";
  const ips = a.IPAddresses;
  if (!Array.isArray(ips) || ips.length === 0) return "no-ip-addresses";
  if (ips.length > maxIPs) return "too-many-ip-addresses";
  let scope: string | null = null;
  for (const ip of ips) {
    if (!isIPAddress(ip)) return "bad-ip-address";
    const s = linkLocalScope(ip);
    if (s !== null) {
      if (scope !== null && scope !== s) return "mixed-link-local-scopes";
      scope = s;
    }
  }
  return null;
}

/** Validate a Referral (MC-PRCH §2.2.2.3): nonzero NodeId and a valid address. */
export function referralProblem(r: Referral | null | undefined): AddressProblem | null {
  if (r === null || r === undefined || typeof r !== "object") return "bad-uri";
  if (typeof r.NodeId !== "bigint" || r.NodeId === 0n) return "zero-node-id";
  return addressProblem(r.Address);
}

/**
 * The identity of a node address: Windows compares PeerNodeAddress by the upper-cased URI
 * PathAndQuery (`ServicePath`), ignoring host and port (WINDOWS-NOTES §1.2). The path carries the
 * endpoint GUID, which is what MC-PRCH §2.2.2.4 calls the duplicate-neighbor key.
 */
export function servicePath(a: PeerNodeAddress): string {
  const uri = a.EndpointAddress;
  const schemeEnd = uri.indexOf("://");
  const rest = schemeEnd >= 0 ? uri.slice(schemeEnd + 3) : uri;
  const slash = rest.search(/[/?]/);
  const path = slash >= 0 ? rest.slice(slash) : "/";
  const noFragment = path.split("#")[0]!;
  return (noFragment.startsWith("/") ? noFragment : `/${noFragment}`).toUpperCase();
}

/** Strip IPv6 scope ids: Windows masks them in referrals it sends (WINDOWS-NOTES §1.4). */
export function maskScopes(a: PeerNodeAddress): PeerNodeAddress {
  if (!a.IPAddresses.some((ip) => ip.includes("%"))) return a;
  return {
    EndpointAddress: a.EndpointAddress,
    IPAddresses: a.IPAddresses.map((ip) => {
      const i = ip.indexOf("%");
      return i >= 0 ? ip.slice(0, i) : ip;
    }),
  };
}
