import * as net from "node:net";
import * as tls from "node:tls";
import { spkiPin } from "@prch/security";
import { parseEndpoint } from "./endpoint.js";
import { CollabError } from "./errors.js";

/** A certificate chain and key (PEM) for TLS endpoints: the person's own identity. */
export interface TlsIdentity {
  /** Leaf certificate first, then issuers, PEM. */
  readonly cert: string;
  readonly key: string;
}

/** Default largest frame, bytes (WCF's MaxReceivedMessageSize). */
export const DEFAULT_MAX_FRAME = 65536;

/** Encodes one frame: a 4-byte big-endian length, then UTF-8 JSON. */
export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * Splits a byte stream into JSON frames. The length is checked against the
 * quota before anything is buffered for it, and bytes are only kept as they
 * arrive, never allocated up front.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** Feeds bytes; returns the frames completed by them. Throws CollabError on a bad frame. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: unknown[] = [];
    for (let guard = 0; guard < 1024; guard++) {
      if (this.buffered < 4) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [all];
      const len = all.readUInt32BE(0);
      if (len > this.maxFrame) {
        throw new CollabError("QuotaExceeded", `frame of ${len} bytes exceeds ${this.maxFrame}`);
      }
      if (all.length < 4 + len) break;
      const text = all.subarray(4, 4 + len).toString("utf8");
      const rest = all.subarray(4 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      try {
        out.push(JSON.parse(text));
      } catch (e) {
        throw new CollabError("Malformed", "frame is not JSON", { cause: e });
      }
    }
    return out;
  }
}

/** Options of {@link requestFrame}. */
export interface RequestOptions {
  /** Whole exchange deadline, ms (default 10 000). */
  readonly timeoutMs?: number;
  readonly maxFrame?: number;
  /**
   * For `tls://` endpoints: our certificate and key, and the SPKI pin the
   * server's certificate must have (the person we mean to reach).
   */
  readonly tls?: { readonly identity: TlsIdentity; readonly expectedPin: string };
}

/**
 * Sends one frame to a `tls://` or `tcp://` endpoint and waits for one reply
 * frame. One exchange per connection keeps both sides simple and stateless.
 * Over TLS the server must show the certificate key `opts.tls.expectedPin`:
 * names and CAs play no part, the person is their key.
 */
export function requestFrame(
  endpoint: string,
  frame: unknown,
  opts: RequestOptions = {},
): Promise<unknown> {
  const { scheme, host, port } = parseEndpoint(endpoint);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const reader = new FrameReader(opts.maxFrame ?? DEFAULT_MAX_FRAME);
  const secure = opts.tls;
  if (scheme === "tls" && !secure) {
    return Promise.reject(
      new CollabError("InvalidArgument", "a tls:// endpoint needs tls options"),
    );
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const socket: net.Socket =
      scheme === "tls" && secure
        ? tls.connect({
            host,
            port,
            cert: secure.identity.cert,
            key: secure.identity.key,
            // Self-signed person certificates: the pin check below is the verification.
            rejectUnauthorized: false,
          })
        : net.connect({ host, port });
    const finish = (err: Error | undefined, value?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new CollabError("Timeout", `no reply from ${endpoint} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (socket instanceof tls.TLSSocket && secure) {
      socket.on("secureConnect", () => {
        let pin = "";
        try {
          pin = spkiPin(socket.getPeerCertificate().raw);
        } catch {
          // no or unreadable certificate: pin stays empty and fails below
        }
        if (pin !== secure.expectedPin) {
          finish(new CollabError("Untrusted", `${endpoint} is not the person expected`));
          return;
        }
        socket.write(encodeFrame(frame));
      });
    } else socket.on("connect", () => socket.write(encodeFrame(frame)));
    socket.on("data", (chunk: Buffer) => {
      try {
        const frames = reader.push(chunk);
        if (frames.length > 0) finish(undefined, frames[0]);
      } catch (e) {
        finish(e as Error);
      }
    });
    socket.on("error", (e) =>
      finish(new CollabError("Unreachable", `${endpoint}: ${e.message}`, { cause: e })),
    );
    socket.on("close", () =>
      finish(new CollabError("Unreachable", `${endpoint} closed without a reply`)),
    );
  });
}

/** Limits of a {@link FrameServer}. */
export interface FrameServerOptions {
  readonly maxFrame?: number;
  /** Most simultaneous connections (default 64); more are closed at once. */
  readonly maxConnections?: number;
  /** Most simultaneous connections from one IP address (default 8). */
  readonly maxConnectionsPerAddress?: number;
  /** A connection must deliver its request within this time, ms (default 10 000). */
  readonly requestTimeoutMs?: number;
  /** Serve TLS with this identity (asking clients for theirs); default plain TCP. */
  readonly tls?: TlsIdentity;
}

/**
 * Answers a request frame; the returned value is sent back as the reply frame.
 * `remote` is the peer's IP address (IPv4-mapped IPv6 addresses unwrapped).
 */
export type FrameHandler = (frame: unknown, remote: string) => Promise<unknown>;

/** A TCP server answering one request frame per connection. */
export class FrameServer {
  private readonly server: net.Server | tls.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly perAddress = new Map<string, number>();
  private readonly opts: Required<Omit<FrameServerOptions, "tls">>;

  constructor(handler: FrameHandler, opts: FrameServerOptions = {}) {
    this.opts = {
      maxFrame: opts.maxFrame ?? DEFAULT_MAX_FRAME,
      maxConnections: opts.maxConnections ?? 64,
      maxConnectionsPerAddress: opts.maxConnectionsPerAddress ?? 8,
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
    };
    const id = opts.tls;
    this.server = id
      ? tls.createServer(
          {
            cert: id.cert,
            key: id.key,
            requestCert: true,
            rejectUnauthorized: false,
            handshakeTimeout: this.opts.requestTimeoutMs,
          },
          (socket) => this.serve(socket, handler),
        )
      : net.createServer((socket) => this.serve(socket, handler));
    // Counted before the TLS handshake too, so handshakes cannot pile up.
    this.server.maxConnections = this.opts.maxConnections;
    this.server.on("tlsClientError", () => undefined);
    // One host must not take every slot (idle connections hold one until the request timeout).
    this.server.on("connection", (raw: net.Socket) => {
      const ip = remoteIp(raw);
      const n = (this.perAddress.get(ip) ?? 0) + 1;
      if (n > this.opts.maxConnectionsPerAddress) {
        raw.destroy();
        return;
      }
      this.perAddress.set(ip, n);
      raw.once("close", () => {
        const left = (this.perAddress.get(ip) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(ip);
        else this.perAddress.set(ip, left);
      });
    });
  }

  /** Listens; resolves to the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port }, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops listening and drops every open connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket, handler: FrameHandler): void {
    if (this.sockets.size >= this.opts.maxConnections) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    const remote = remoteIp(socket);
    const reader = new FrameReader(this.opts.maxFrame);
    let answered = false;
    const timer = setTimeout(() => socket.destroy(), this.opts.requestTimeoutMs);
    socket.on("close", () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      if (answered) return; // one request per connection; ignore anything after it
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      const first = frames[0];
      if (frames.length === 0) return;
      answered = true;
      handler(first, remote).then(
        (reply) => socket.end(encodeFrame(reply ?? null)),
        () => socket.destroy(),
      );
    });
  }
}

/** The peer's IP address, IPv4-mapped IPv6 addresses unwrapped. */
function remoteIp(socket: net.Socket): string {
  return (socket.remoteAddress ?? "").replace(/^::ffff:(?=\d+\.)/, "");
}
