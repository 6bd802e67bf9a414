import { NmfError } from "./errors.js";

/** The port a net.tcp Via means when its authority has none (MC-NMF §6 <13>). */
export const NET_TCP_DEFAULT_PORT = 808;

/** A net.tcp Via split into the parts a transport needs. */
export interface NetTcpVia {
  /** Host as written: a DNS name, an IPv4 literal, or an IPv6 literal without brackets (zone kept, e.g. `fe80::1%4`). */
  readonly host: string;
  /** True when `host` was a bracketed IPv6 literal. */
  readonly ipv6: boolean;
  /** The port, 808 when absent. */
  readonly port: number;
  /** True when the Via named its port explicitly. */
  readonly explicitPort: boolean;
  /** Path, query and fragment, starting with "/" (just "/" when empty). */
  readonly path: string;
}

function bad(via: string, why: string): NmfError {
  return new NmfError("invalid-via", `invalid net.tcp Via ${JSON.stringify(via)}: ${why}`);
}

/**
 * Parses a net.tcp Via. Per MC-NMF §6 <13> such a Via is absolute, has a
 * network path whose authority is a server without user information, and an
 * authority without a port means port 808. IPv6 link-local literals may keep
 * a `%scope` (WINDOWS-NOTES §1.1), which the WHATWG URL parser rejects, so
 * this is parsed by hand. The scheme is matched case-insensitively, as
 * System.Uri does.
 */
export function parseNetTcpVia(via: string): NetTcpVia {
  const prefix = "net.tcp://";
  if (via.slice(0, prefix.length).toLowerCase() !== prefix) {
    throw bad(via, "scheme must be net.tcp and followed by //");
  }
  const rest = via.slice(prefix.length);
  const pathStart = rest.search(/[/?#]/);
  const authority = pathStart < 0 ? rest : rest.slice(0, pathStart);
  let path = pathStart < 0 ? "/" : rest.slice(pathStart);
  if (!path.startsWith("/")) path = `/${path}`;
  if (authority.includes("@")) throw bad(via, "user information is not allowed");
  let host: string;
  let portText: string | undefined;
  let ipv6 = false;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw bad(via, "unterminated IPv6 literal");
    host = authority.slice(1, close);
    ipv6 = true;
    const after = authority.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) throw bad(via, "junk after IPv6 literal");
      portText = after.slice(1);
    }
    if (!/^[0-9A-Fa-f:.]+(%[0-9A-Za-z._~-]+)?$/.test(host) || !host.includes(":")) {
      throw bad(via, "malformed IPv6 literal");
    }
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon >= 0) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    } else {
      host = authority;
    }
    if (!/^[0-9A-Za-z._~!$&'()*+,;=-]+$/.test(host)) throw bad(via, "malformed host");
  }
  if (host === "") throw bad(via, "empty host");
  let port = NET_TCP_DEFAULT_PORT;
  const explicitPort = portText !== undefined && portText !== "";
  if (explicitPort) {
    if (!/^[0-9]{1,5}$/.test(portText!)) throw bad(via, "port is not a number");
    port = Number(portText);
    if (port > 65535) throw bad(via, "port out of range");
  }
  return { host, ipv6, port, explicitPort, path };
}

/** Builds a net.tcp Via from its parts (brackets IPv6 literals, omits port 808 only if asked). */
export function formatNetTcpVia(parts: { host: string; port?: number; path?: string }): string {
  const host = parts.host.includes(":") ? `[${parts.host}]` : parts.host;
  const port = parts.port === undefined ? "" : `:${parts.port}`;
  const path = parts.path === undefined || parts.path === "" ? "/" : parts.path;
  return `net.tcp://${host}${port}${path.startsWith("/") ? path : `/${path}`}`;
}
