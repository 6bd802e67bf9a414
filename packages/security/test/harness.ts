// Test-only plumbing: real TLS sockets on 127.0.0.1 and a tiny framing
// (4-byte length + JSON) standing in for NMF + SOAP, which are other
// packages' jobs. The security logic under test never sees this framing.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import { loadPemIdentity, type NodeIdentity } from "../src/index.js";

export function fixtureIdentity(name: string): NodeIdentity {
  const dir = join(__dirname, "fixtures");
  return loadPemIdentity(
    readFileSync(join(dir, `${name}.crt.pem`), "utf8"),
    readFileSync(join(dir, `${name}.key.pem`), "utf8"),
  );
}

export function fixturePem(name: string): string {
  return readFileSync(join(__dirname, "fixtures", `${name}.crt.pem`), "utf8");
}

export interface Link {
  readonly server: tls.TLSSocket;
  readonly client: tls.TLSSocket;
  close(): void;
}

export interface Refused {
  readonly serverError: Error | undefined;
  readonly clientError: Error | undefined;
}

/**
 * Opens a TLS server on 127.0.0.1:0 and connects one client. Resolves with
 * both sockets once each side finished its handshake, or with the errors if
 * either side refused. Bounded by a 10 s guard so no test can hang.
 */
export async function openLink(
  serverOpts: tls.TlsOptions,
  clientOpts: tls.ConnectionOptions,
): Promise<Link | Refused> {
  const server = tls.createServer(serverOpts);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise<Link | Refused>((resolve) => {
      let serverSock: tls.TLSSocket | undefined;
      let clientSock: tls.TLSSocket | undefined;
      let serverError: Error | undefined;
      let clientError: Error | undefined;
      let clientReady = false;
      let settled = false;
      const guard = setTimeout(() => finish(), 10_000);
      const finish = () => {
        if (settled) return;
        if (serverSock && clientReady && !serverError && !clientError) {
          settled = true;
          clearTimeout(guard);
          const s = serverSock;
          const c = clientSock!;
          resolve({
            server: s,
            client: c,
            close: () => {
              c.destroy();
              s.destroy();
            },
          });
        } else if (serverError || clientError) {
          settled = true;
          clearTimeout(guard);
          clientSock?.destroy();
          serverSock?.destroy();
          // give the other side a moment to record its error too
          setTimeout(() => resolve({ serverError, clientError }), 50);
        }
      };
      server.on("secureConnection", (s) => {
        serverSock = s;
        s.on("error", () => {});
        finish();
      });
      server.on("tlsClientError", (e) => {
        serverError = e;
        finish();
      });
      clientSock = tls.connect({ ...clientOpts, host: "127.0.0.1", port }, () => {
        clientReady = true;
        finish();
      });
      clientSock.on("error", (e) => {
        clientError = e;
        finish();
      });
    });
  } finally {
    server.close();
  }
}

export function isLink(x: Link | Refused): x is Link {
  return "server" in x;
}

/** Length-prefixed JSON frames over a socket. */
export class Framed {
  private buf = Buffer.alloc(0);
  private readonly queue: unknown[] = [];
  private waiters: Array<(v: unknown) => void> = [];
  private closed = false;

  constructor(readonly socket: tls.TLSSocket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4) {
        const len = this.buf.readUInt32BE(0);
        if (this.buf.length < 4 + len) break;
        const msg: unknown = JSON.parse(this.buf.subarray(4, 4 + len).toString("utf8"));
        this.buf = this.buf.subarray(4 + len);
        this.push(msg);
      }
    });
    const end = () => {
      this.closed = true;
      for (const w of this.waiters) w(undefined);
      this.waiters = [];
    };
    socket.on("close", end);
    socket.on("end", end);
    socket.on("error", () => {});
  }

  private push(msg: unknown): void {
    const w = this.waiters.shift();
    if (w) w(msg);
    else this.queue.push(msg);
  }

  send(msg: unknown): void {
    const body = Buffer.from(JSON.stringify(msg), "utf8");
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    this.socket.write(Buffer.concat([head, body]));
  }

  /** Next frame, or undefined once the socket closed. */
  next(): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }
}
