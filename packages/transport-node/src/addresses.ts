import { randomUUID } from "node:crypto";
import { networkInterfaces } from "node:os";
import { TransportError } from "./errors.js";
import { type IpAddress, isLoopback, parseIp, Scope, scopeOf, uriHost } from "./ip.js";

/** Which local addresses a node publishes. */
export interface AddressOptions {
  /**
   * Listen on and publish only this address (Windows' ListenIPAddress). Unlike
   * Windows (WINDOWS-NOTES §1.1 forbids loopback), loopback is allowed so that
   * tests and demos can run on 127.0.0.1.
   */
  readonly listenIPAddress?: string;
  /** Include loopback addresses when publishing every interface (default false). */
  readonly includeLoopback?: boolean;
  /** Include IPv6 addresses (default true). */
  readonly ipv6?: boolean;
}

/** The interface table, injectable so address discovery can be tested without the host's NICs. */
export type InterfaceTable = ReturnType<typeof networkInterfaces>;

/**
 * The host's addresses a node should publish in its PeerNodeAddress: every
 * usable interface address (multihoming), or just the configured one.
 */
export function localAddresses(
  opts: AddressOptions = {},
  table: InterfaceTable = networkInterfaces(),
): IpAddress[] {
  if (opts.listenIPAddress !== undefined) return [parseIp(opts.listenIPAddress)];
  const out: IpAddress[] = [];
  const seen = new Set<string>();
  for (const [name, entries] of Object.entries(table)) {
    for (const e of entries ?? []) {
      const family = e.family === "IPv4" || (e.family as unknown) === 4 ? 4 : 6;
      if (family === 6 && opts.ipv6 === false) continue;
      const text = family === 6 && e.scopeid ? `${e.address}%${e.scopeid}` : e.address;
      const ip = parseIp(text);
      if (isLoopback(ip) && !opts.includeLoopback) continue;
      // A link-local IPv6 address without its zone cannot be reached; skip rather than publish it wrongly.
      if (ip.family === 6 && scopeOf(ip) === Scope.linkLocal && ip.scopeId === 0 && !isLoopback(ip))
        continue;
      const key = `${name}|${ip.address}%${ip.scopeId}`;
      if (seen.has(ip.address) || seen.has(key)) continue;
      seen.add(ip.address);
      out.push(ip);
    }
  }
  return out;
}

/** A stable text fingerprint of an address list, to notice changes. */
export function addressKey(addrs: readonly IpAddress[]): string {
  return addrs
    .map((a) => `${a.address}%${a.scopeId}`)
    .sort()
    .join(",");
}

/**
 * The listen URI of a node: `net.tcp://{host}:{port}/PeerChannelEndpoints/{guid}`
 * (WINDOWS-NOTES §1.1, PeerNodeConfig.GetSelfUri). The GUID is new for every
 * node instance; the path is the node's identity (ServicePath).
 */
export function nodeEndpointUri(host: string, port: number, guid: string = randomUUID()): string {
  return `net.tcp://${host}:${port}/PeerChannelEndpoints/${guid}`;
}

/**
 * The NMF Via for one neighbor address: its listen URI with the host replaced
 * by one IP literal (WINDOWS-NOTES §1.1, MC-PRCH §3.1.6.4.4).
 */
export function viaFor(endpointUri: string, ip: IpAddress): string {
  const u = new URL(endpointUri);
  if (u.protocol !== "net.tcp:")
    throw new TransportError("InvalidAddress", `not a net.tcp URI: ${endpointUri}`);
  const port = u.port === "" ? 808 : Number(u.port);
  return `net.tcp://${uriHost(ip)}:${port}${u.pathname}${u.search}`;
}

/**
 * A listener's Via check for a Peer node: accept a Via whose path is this
 * node's `/PeerChannelEndpoints/{guid}`, compared case-insensitively as
 * WCF compares endpoint paths; host and port are not checked, since the Via
 * names whichever of our IPs the peer dialled.
 */
export function acceptPeerVia(listenUri: string): (via: string) => boolean {
  const want = new URL(listenUri).pathname.replace(/\/+$/, "").toLowerCase();
  return (via) => {
    try {
      const u = new URL(via);
      return u.protocol === "net.tcp:" && u.pathname.replace(/\/+$/, "").toLowerCase() === want;
    } catch {
      return false;
    }
  };
}
