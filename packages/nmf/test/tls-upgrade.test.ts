// The application/ssl-tls upgrade with a real TLS handshake (node:tls) on a
// 127.0.0.1 socket, both roles ours: the sessions hand the stream to the
// caller at the upgrade and take decrypted bytes back afterwards. The
// certificate is made at test time with the openssl CLI (skipped without it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Mode,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
  type NmfSession,
  UpgradeProtocol,
} from "../src/index.js";

const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

/** Runs a session over a socket, switching to TLS when the session says so. */
class Endpoint {
  readonly events: NmfEvent[] = [];
  private stream: Socket;
  private waiters: (() => void)[] = [];

  constructor(
    raw: Socket,
    readonly session: NmfSession,
    private readonly tls: (raw: Socket) => TLSSocket,
  ) {
    this.stream = raw;
    raw.on("data", this.onData);
    raw.on("error", () => {});
  }

  private readonly onData = (b: Buffer) => this.handle(this.session.receive(b));

  flush(): void {
    if (this.session.hasOutput) this.stream.write(this.session.takeOutput());
  }

  handle(events: NmfEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      if (e.type === "upgradeRequested" || e.type === "upgradeAccepted") {
        // Receiver: the Upgrade Response goes out in the clear first.
        this.flush();
        const raw = this.stream;
        raw.off("data", this.onData);
        raw.pause();
        const early = this.session.takeUnconsumed();
        if (early.length > 0) raw.unshift(early);
        const secure = this.tls(raw);
        secure.on("error", () => {});
        this.stream = secure;
        // A server socket emits "secure", a tls.connect() one "secureConnect" (and "secure").
        let done = false;
        const complete = () => {
          if (done) return;
          done = true;
          this.handle(this.session.upgradeComplete());
        };
        secure.once("secure", complete);
        secure.once("secureConnect", complete);
        secure.on("data", this.onData);
      }
    }
    this.flush();
    for (const w of this.waiters.splice(0)) w();
  }

  async until(type: NmfEvent["type"]): Promise<void> {
    while (!this.events.some((e) => e.type === type)) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  get secure(): boolean {
    return this.stream instanceof TLSSocket;
  }

  close(): void {
    this.stream.destroy();
  }
}

describe.skipIf(!hasOpenssl)("application/ssl-tls upgrade over a real socket", () => {
  let dir: string;
  let key: Buffer;
  let cert: Buffer;
  let server: Server;
  let port: number;
  const accepted: Endpoint[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prch-nmf-tls-"));
    const r = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=prch-nmf-test",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore", timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    key = readFileSync(join(dir, "key.pem"));
    cert = readFileSync(join(dir, "cert.pem"));
    server = createServer((socket) => {
      const session = new NmfReceiver({ upgrades: [UpgradeProtocol.SslTls] });
      const ep = new Endpoint(
        socket,
        session,
        (raw) => new TLSSocket(raw, { isServer: true, key, cert }),
      );
      accepted.push(ep);
      ep.session.receive(new Uint8Array(0));
    });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const a = server.address();
    port = typeof a === "object" && a ? a.port : 0;
  });

  afterAll(async () => {
    for (const ep of accepted) ep.close();
    await new Promise<void>((res) => server.close(() => res()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("negotiates, upgrades, then exchanges envelopes inside TLS", async () => {
    const raw = await new Promise<Socket>((res, rej) => {
      const s = connect(port, "127.0.0.1", () => res(s));
      s.once("error", rej);
    });
    const initiator = new NmfInitiator({
      mode: Mode.Duplex,
      via: `net.tcp://127.0.0.1:${port}/secure`,
      encoding: 8,
      upgrades: [UpgradeProtocol.SslTls],
    });
    const ep = new Endpoint(raw, initiator, (socket) =>
      tlsConnect({ socket, rejectUnauthorized: false }),
    );
    ep.handle(initiator.start());
    await ep.until("preambleComplete");
    expect(ep.secure).toBe(true);
    expect(ep.events.map((e) => e.type)).toEqual(["upgradeAccepted", "preambleComplete"]);

    const server = accepted.at(-1)!;
    await server.until("preambleComplete");
    expect(server.secure).toBe(true);
    expect(server.events.map((e) => e.type)).toEqual(["upgradeRequested", "preambleComplete"]);

    ep.handle(initiator.sendEnvelope(Uint8Array.of(1, 2, 3)));
    await server.until("envelope");
    expect(server.events.find((e) => e.type === "envelope")).toEqual({
      type: "envelope",
      payload: Uint8Array.of(1, 2, 3),
    });
    server.handle(server.session.sendEnvelope(Uint8Array.of(9)));
    await ep.until("envelope");
    ep.handle(initiator.end());
    await server.until("end");
    server.handle(server.session.end());
    await ep.until("closed");
    expect(ep.events.at(-1)).toEqual({ type: "closed", clean: true });
    ep.close();
  });
});
