import { isIP } from "node:net";
import { CollabError } from "./errors.js";

/** At most this many endpoints per person are accepted from the network. */
export const MAX_ENDPOINTS = 8;

/** How an endpoint is reached: TLS with the person's certificate, or plain TCP. */
export type EndpointScheme = "tls" | "tcp";

/** A parsed `tls://host:port` or `tcp://host:port` endpoint. */
export interface Endpoint {
  readonly scheme: EndpointScheme;
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `tls://192.0.2.1:4000` or `tcp://[2001:db8::1]:4000`. Only IP
 * literals are accepted: endpoints come from the network, and resolving names
 * from them would let anyone make us query DNS.
 */
export function parseEndpoint(text: string): Endpoint {
  const m = /^(tls|tcp):\/\/(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const host = m?.[2] ?? m?.[3];
  const port = Number(m?.[4]);
  if (!m || !host || isIP(host) === 0 || !(port > 0 && port < 65536)) {
    throw new CollabError(
      "InvalidArgument",
      `not a tls:// or tcp://ip:port endpoint: ${text.slice(0, 80)}`,
    );
  }
  return { scheme: m[1] as EndpointScheme, host, port };
}

/** Formats an endpoint as `tls://host:port` (or `tcp://`). */
export function formatEndpoint(host: string, port: number, scheme: EndpointScheme = "tls"): string {
  return isIP(host) === 6 ? `${scheme}://[${host}]:${port}` : `${scheme}://${host}:${port}`;
}

/** Validates a list of endpoints read from the network (≤ {@link MAX_ENDPOINTS}). */
export function checkEndpoints(list: unknown): string[] {
  if (!Array.isArray(list) || list.length > MAX_ENDPOINTS) {
    throw new CollabError("Malformed", "endpoints must be a list of at most 8");
  }
  return list.map((e) => {
    if (typeof e !== "string" || e.length > 64) throw new CollabError("Malformed", "bad endpoint");
    parseEndpoint(e);
    return e;
  });
}
