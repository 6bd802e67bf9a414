import { isIP } from "node:net";
import { TransportError } from "./errors.js";

/** An IP address in the forms the transport needs: text, family, 16 bytes (IPv4 mapped), scope id. */
export interface IpAddress {
  /** Canonical text without scope, e.g. "192.0.2.1" or "fe80::1". */
  readonly address: string;
  readonly family: 4 | 6;
  /** IPv6 zone index (numeric) or 0. Kept for link-local addresses (WINDOWS-NOTES §1.1). */
  readonly scopeId: number;
  /** The address as 16 bytes; IPv4 as ::ffff:a.b.c.d, the form RFC 3484 §2.1 compares on. */
  readonly bytes: Uint8Array;
}

/** RFC 3484 §3.1 / RFC 4291 scopes, as numbers where smaller is narrower. */
export const Scope = {
  interfaceLocal: 1,
  linkLocal: 2,
  siteLocal: 5,
  orgLocal: 8,
  global: 14,
} as const;

function v4Bytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  text.split(".").forEach((p, i) => {
    out[12 + i] = Number(p);
  });
  return out;
}

function v6Bytes(text: string): Uint8Array {
  let t = text;
  const out = new Uint8Array(16);
  // An embedded dotted quad occupies the last 32 bits.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  let tail: number[] = [];
  if (dotted) {
    const v4 = v4Bytes(dotted[1]!);
    tail = [(v4[12]! << 8) | v4[13]!, (v4[14]! << 8) | v4[15]!];
    t = t.slice(0, t.length - dotted[1]!.length);
    if (t.endsWith(":") && !t.endsWith("::")) t = t.slice(0, -1);
  }
  const [head, rest] = t.includes("::") ? t.split("::") : [t, undefined];
  const parse = (s: string | undefined) =>
    s
      ? s
          .split(":")
          .filter((x) => x !== "")
          .map((h) => Number.parseInt(h, 16))
      : [];
  const h = parse(head);
  const r = [...parse(rest), ...tail];
  const groups =
    rest === undefined && !t.includes("::")
      ? [...h, ...tail]
      : [...h, ...new Array(8 - h.length - r.length).fill(0), ...r];
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Parses "192.0.2.1", "2001:db8::1", "fe80::1%3" or "[fe80::1%3]". Non-numeric zones become 0. */
export function parseIp(text: string): IpAddress {
  let t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  let scopeId = 0;
  const pct = t.indexOf("%");
  if (pct >= 0) {
    const zone = t.slice(pct + 1);
    scopeId = /^\d+$/.test(zone) ? Number(zone) : 0;
    t = t.slice(0, pct);
  }
  const fam = isIP(t);
  if (fam === 4) return { address: t, family: 4, scopeId: 0, bytes: v4Bytes(t) };
  if (fam === 6) {
    // Canonical text (RFC 5952: lower case, longest zero run as "::") so
    // that equal addresses compare equal whatever form they arrived in.
    const canonical = new URL(`http://[${t}]/`).hostname.slice(1, -1);
    return { address: canonical, family: 6, scopeId, bytes: v6Bytes(t.toLowerCase()) };
  }
  throw new TransportError("InvalidAddress", `not an IP address: ${JSON.stringify(text)}`);
}

/** The address as it goes into a URI host: IPv6 in brackets with its zone (WINDOWS-NOTES §1.1 keeps %scope). */
export function uriHost(ip: IpAddress): string {
  if (ip.family === 4) return ip.address;
  return ip.scopeId !== 0 && scopeOf(ip) <= Scope.siteLocal
    ? `[${ip.address}%${ip.scopeId}]`
    : `[${ip.address}]`;
}

export function isLoopback(ip: IpAddress): boolean {
  return ip.family === 4
    ? ip.bytes[12] === 127
    : ip.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** RFC 3484 §3.2 scope of an address (IPv4 mapped onto IPv6 scopes as that section says). */
export function scopeOf(ip: IpAddress): number {
  const b = ip.bytes;
  if (ip.family === 4) {
    const a = b[12]!;
    const c = b[13]!;
    if (a === 127 || (a === 169 && c === 254)) return Scope.linkLocal;
    if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168))
      return Scope.siteLocal;
    return Scope.global;
  }
  if (isLoopback(ip)) return Scope.linkLocal;
  if (b[0] === 0xff) return b[1]! & 0x0f;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return Scope.linkLocal;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return Scope.siteLocal;
  return Scope.global;
}
