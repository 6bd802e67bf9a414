import { connect as netConnect, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { KnownEncoding, Mode, NmfInitiator, UpgradeProtocol } from "@prch/nmf";
import { type InterfaceTable, localAddresses, viaFor } from "./addresses.js";
import { type ConnectionOptions, NetTcpConnection, type TlsUpgrade } from "./connection.js";
import { TransportError } from "./errors.js";
import { type IpAddress, parseIp } from "./ip.js";
import { sortDestinations } from "./rfc3484.js";

/** An IP address in any of the forms the stack carries: text, ours, or @prch/soap's IPAddress. */
export type AnyIpAddress =
  | string
  | IpAddress
  | {
      readonly family: "InterNetwork" | "InterNetworkV6";
      readonly bytes: Uint8Array;
      readonly scopeId: bigint;
    };

/** Where to connect: a PeerNodeAddress (MC-PRCH §2.2.2.2) or a resolver's address. */
export interface NetTcpAddress {
  /** The listen URI, `net.tcp://host:port/path` (its host is replaced by each IP in turn). */
  readonly endpointAddress: string | { readonly uri: string };
  /** The IP addresses to try. */
  readonly ipAddresses: readonly AnyIpAddress[];
}

/** Client-side TLS: options for `tls.connect({ socket })` and an optional check of the peer. */
export type ConnectorTls = Omit<Extract<TlsUpgrade, { role: "client" }>, "role">;

/** Options of {@link connectNetTcp}. */
export interface ConnectOptions {
  /** Secure the session with the `application/ssl-tls` upgrade. */
  readonly tls?: ConnectorTls;
  /**
   * Budget for the whole attempt, every IP included (MC-PRCH §3.1.6.4.4's
   * Connect Handshake timer; 60 s on Windows, WINDOWS-NOTES §1.4).
   */
  readonly timeoutMs?: number;
  /**
   * Limit for one IP. Default: the remaining budget shared evenly among the
   * IPs not yet tried, so one black-holed address cannot use it all.
   */
  readonly attemptTimeoutMs?: number;
  /** This host's addresses for RFC 3484 ordering. Default: every interface, loopback included. */
  readonly localAddresses?: readonly IpAddress[];
  /** Largest envelope accepted (MaxReceivedMessageSize). Default 65536. */
  readonly maxMessageSize?: number;
  /** Passed to the connection. */
  readonly connection?: Pick<ConnectionOptions, "maxQueuedBytes" | "closeTimeoutMs">;
  /** Cancels the attempt. */
  readonly signal?: AbortSignal;
}

const ENDPOINT_NOT_FOUND =
  "http://schemas.microsoft.com/ws/2006/05/framing/faults/EndpointNotFound";

/** Converts any accepted IP form into ours. */
export function toIpAddress(ip: AnyIpAddress): IpAddress {
  if (typeof ip === "string") return parseIp(ip);
  if (typeof ip.family === "number") return ip as IpAddress;
  const soap = ip as Exclude<AnyIpAddress, string | IpAddress>;
  const b = soap.bytes;
  if (soap.family === "InterNetwork") {
    if (b.length !== 4) throw new TransportError("InvalidAddress", "an IPv4 address has 4 bytes");
    return parseIp(Array.from(b).join("."));
  }
  if (b.length !== 16) throw new TransportError("InvalidAddress", "an IPv6 address has 16 bytes");
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((b[i * 2]! << 8) | b[i * 2 + 1]!).toString(16));
  const scope = soap.scopeId > 0n && soap.scopeId <= 0xffffffffn ? `%${soap.scopeId}` : "";
  return parseIp(`${groups.join(":")}${scope}`);
}

/**
 * The host string for `net.connect`. A scoped IPv6 address needs its zone
 * as an interface *name* on Unix: libuv resolves the zone with
 * if_nametoindex(), so "fe80::1%3" would silently lose its scope there.
 */
export function socketHost(
  ip: IpAddress,
  table: InterfaceTable = networkInterfaces(),
  platform: NodeJS.Platform = process.platform,
): string {
  if (ip.family !== 6 || ip.scopeId === 0) return ip.address;
  if (platform !== "win32") {
    for (const [name, entries] of Object.entries(table)) {
      if (entries?.some((e) => e.scopeid === ip.scopeId)) return `${ip.address}%${name}`;
    }
  }
  return `${ip.address}%${ip.scopeId}`;
}

/** True for failures after which MC-PRCH §3.1.6.4.4 moves on to the next address. */
function isTransient(e: TransportError): boolean {
  if (e.code === "ConnectTimeout") return true;
  if (e.code === "SessionFault") return e.fault === ENDPOINT_NOT_FOUND;
  if (e.code !== "ConnectFailed") return false;
  const errno = (e.cause as NodeJS.ErrnoException | undefined)?.code;
  return (
    errno === "ECONNREFUSED" ||
    errno === "EHOSTUNREACH" ||
    errno === "ENETUNREACH" ||
    errno === "ETIMEDOUT" ||
    errno === "EADDRNOTAVAIL" ||
    errno === "EAFNOSUPPORT" ||
    errno === "ECONNRESET"
  );
}

/**
 * Opens a net.tcp session to a node or service (MC-PRCH §3.1.6.4.4):
 * sorts the IPs most reliable first (RFC 3484 §6), and for each one builds
 * the Via (the endpoint URI with that IP as host, WINDOWS-NOTES §1.1),
 * connects, and runs the NMF Duplex preamble with the binary session
 * encoding 0x08 — and the `application/ssl-tls` upgrade when secured —
 * until the Preamble Ack. The next IP is tried only after the connection
 * was refused, the address was unreachable, the endpoint was not found or
 * the attempt timed out; a security failure or any other error fails at
 * once. The whole attempt is bounded by `timeoutMs`.
 *
 * The connection comes back **paused**: attach handlers, then call
 * `resumeReading()`.
 */
export async function connectNetTcp(
  address: NetTcpAddress,
  options: ConnectOptions = {},
): Promise<NetTcpConnection> {
  const endpoint =
    typeof address.endpointAddress === "string"
      ? address.endpointAddress
      : address.endpointAddress.uri;
  const ips = address.ipAddresses.map(toIpAddress);
  if (ips.length === 0) throw new TransportError("NoAddresses", "the address has no IPs");
  const port = portOf(endpoint);
  const locals = options.localAddresses ?? localAddresses({ includeLoopback: true });
  const order = sortDestinations(ips, locals);
  const budget = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + budget;
  let last: TransportError | undefined;
  for (let i = 0; i < order.length; i++) {
    const ip = order[i]!;
    if (options.signal?.aborted) throw new TransportError("Closed", "connect cancelled");
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const share = Math.ceil(remaining / (order.length - i));
    const limit = Math.max(1, Math.min(remaining, options.attemptTimeoutMs ?? share));
    try {
      return await attempt(ip, viaFor(endpoint, ip), port, limit, options);
    } catch (e) {
      const err =
        e instanceof TransportError
          ? e
          : new TransportError("ConnectFailed", String(e), { cause: e });
      // MC-PRCH §3.1.6.4.4 says to "restart the connection attempt from the
      // first step" after a transient error; Windows (PeerNeighborManager,
      // WINDOWS-NOTES §1.1) simply moves on to the next IP of the sorted
      // list, and so do we. Anything else — security first of all — fails.
      if (!isTransient(err)) throw err;
      last = err;
    }
  }
  // Unless `attemptTimeoutMs` caps it, the last address gets all that is left of the budget, so
  // its timing out means the budget ran out — even when its timer fired a millisecond before the
  // wall-clock deadline (Node's timers and Date.now() run on different clocks). Either way the
  // last address did not answer in time: a timeout, not a refusal.
  if (Date.now() >= deadline || last?.code === "ConnectTimeout") {
    throw new TransportError("ConnectTimeout", `no address answered within ${budget} ms`, {
      cause: last,
    });
  }
  throw new TransportError(
    "ConnectFailed",
    `no address of ${endpoint} could be reached${last ? `: ${last.message}` : ""}`,
    { cause: last },
  );
}

function portOf(endpoint: string): number {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch (e) {
    throw new TransportError("InvalidAddress", `not a URI: ${endpoint}`, { cause: e });
  }
  if (u.protocol !== "net.tcp:")
    throw new TransportError("InvalidAddress", `not a net.tcp URI: ${endpoint}`);
  // MC-NMF §6: a net.tcp URI without a port means 808.
  return u.port === "" ? 808 : Number(u.port);
}

function attempt(
  ip: IpAddress,
  via: string,
  port: number,
  timeoutMs: number,
  options: ConnectOptions,
): Promise<NetTcpConnection> {
  return new Promise((resolve, reject) => {
    let conn: NetTcpConnection | undefined;
    let settled = false;
    const settle = (e: TransportError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (e === undefined) resolve(conn!);
      else {
        conn?.abort(e);
        socket.destroy();
        reject(e);
      }
    };
    const timer = setTimeout(
      () =>
        settle(new TransportError("ConnectTimeout", `${via}: no session within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => settle(new TransportError("Closed", "connect cancelled"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const host = socketHost(ip);
    const socket: Socket = netConnect({ host, port, noDelay: true });
    const onError = (e: Error) =>
      settle(new TransportError("ConnectFailed", `${via}: ${e.message}`, { cause: e }));
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      if (settled) return;
      let session: NmfInitiator;
      try {
        session = new NmfInitiator({
          mode: Mode.Duplex,
          via,
          encoding: KnownEncoding.Soap12BinarySession,
          upgrades: options.tls !== undefined ? [UpgradeProtocol.SslTls] : [],
          maxMessageSize: options.maxMessageSize ?? 65536,
          // Socket chunks are never reused and sent payloads are not changed: no copies.
          shareBuffers: true,
        });
      } catch (e) {
        settle(new TransportError("InvalidAddress", `bad Via ${via}`, { cause: e }));
        return;
      }
      const c = new NetTcpConnection(socket, session, {
        ...(options.tls !== undefined ? { tls: { role: "client", ...options.tls } } : {}),
        handshakeTimeoutMs: timeoutMs,
        ...options.connection,
      });
      conn = c;
      // Hold envelopes that arrive with the Preamble Ack until the caller listens.
      c.once("ready", () => c.pauseReading());
      c.ready.then(
        () => settle(undefined),
        (e: TransportError) => settle(e),
      );
    });
  });
}
