// The receiver's side of the application/ssl-tls upgrade when the initiator
// does not wait for the Upgrade Response: its TLS ClientHello arrives in the
// same read as the Upgrade Request. Those bytes were read by the framing and
// must reach TLS (pushed back onto the socket), or the handshake stalls.
import { connect, type Socket } from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { concatBytes, encodePreamble, encodeRecord, KnownEncoding, Mode } from "@prch/nmf";
import { createSelfSignedIdentity, identityTlsCredentials } from "@prch/security";
import { describe, expect, it } from "vitest";
import { listenerTlsFor } from "../src/index.js";
import { collect, startListener } from "./helpers.js";

/** The raw socket minus the first byte it receives (the Upgrade Response). */
class AfterUpgradeResponse extends Duplex {
  firstByte: number | undefined;
  constructor(private readonly socket: Socket) {
    super();
    socket.on("data", (b: Buffer) => {
      let rest = b;
      if (this.firstByte === undefined) {
        this.firstByte = b[0];
        rest = b.subarray(1);
      }
      if (rest.length > 0) this.push(rest);
    });
    socket.on("end", () => this.push(null));
    socket.on("error", (e) => this.destroy(e));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }
  override _final(cb: () => void): void {
    this.socket.end();
    cb();
  }
}

describe("TLS upgrade with pipelined bytes", () => {
  it("hands bytes read past the Upgrade Request to TLS", async () => {
    const [server, client] = await Promise.all([
      createSelfSignedIdentity(),
      createSelfSignedIdentity(),
    ]);
    const { listener, port, next } = await startListener({
      tls: listenerTlsFor({ mode: "password", identity: server, password: "p" })!,
    });
    try {
      const raw = await new Promise<Socket>((res, rej) => {
        const s = connect(port, "127.0.0.1", () => res(s));
        s.once("error", rej);
      });
      const wrapped = new AfterUpgradeResponse(raw);
      // Hold everything until the ClientHello is queued too, then send it in one go.
      raw.cork();
      raw.write(
        concatBytes([
          encodePreamble({
            mode: Mode.Duplex,
            via: `net.tcp://127.0.0.1:${port}/p`,
            encoding: KnownEncoding.Soap12BinarySession,
          }),
          encodeRecord({ type: "upgradeRequest", protocol: "application/ssl-tls" }),
        ]),
      );
      const secure = tls.connect({
        socket: wrapped,
        ...identityTlsCredentials(client),
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      secure.on("error", () => {});
      setTimeout(() => raw.uncork(), 50);
      await new Promise<void>((res) => secure.once("secureConnect", () => res()));
      expect(wrapped.firstByte).toBe(0x0a);
      const ack = new Promise<Buffer>((res) => secure.once("data", res));
      secure.write(encodeRecord({ type: "preambleEnd" }));
      expect([...(await ack)]).toEqual([0x0b]);
      const conn = await next();
      expect(conn.tlsSocket).toBeDefined();
      conn.resumeReading();
      const got = collect(conn, 1);
      secure.write(
        encodeRecord({ type: "sizedEnvelope", payload: Uint8Array.of(0x56, 0x02, 0x01) }),
      );
      expect([...(await got)[0]!]).toEqual([0x56, 0x02, 0x01]);
      secure.destroy();
    } finally {
      await listener.close();
    }
  });
});

describe("a second upgrade request inside TLS", () => {
  it("ends the session instead of stacking TLS layers", async () => {
    const [server, client] = await Promise.all([
      createSelfSignedIdentity(),
      createSelfSignedIdentity(),
    ]);
    const { listener, port } = await startListener({
      tls: listenerTlsFor({ mode: "password", identity: server, password: "p" })!,
    });
    try {
      const rejected = new Promise<import("../src/index.js").TransportError>((r) =>
        listener.once("rejected", (e) => r(e)),
      );
      const raw = await new Promise<Socket>((res, rej) => {
        const s = connect(port, "127.0.0.1", () => res(s));
        s.once("error", rej);
      });
      const wrapped = new AfterUpgradeResponse(raw);
      raw.write(
        concatBytes([
          encodePreamble({
            mode: Mode.Duplex,
            via: `net.tcp://127.0.0.1:${port}/p`,
            encoding: KnownEncoding.Soap12BinarySession,
          }),
          encodeRecord({ type: "upgradeRequest", protocol: "application/ssl-tls" }),
        ]),
      );
      const secure = tls.connect({
        socket: wrapped,
        ...identityTlsCredentials(client),
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      secure.on("error", () => {});
      await new Promise<void>((res) => secure.once("secureConnect", () => res()));
      secure.write(encodeRecord({ type: "upgradeRequest", protocol: "application/ssl-tls" }));
      const e = await rejected;
      expect(e.code).toBe("ProtocolError");
      secure.destroy();
    } finally {
      await listener.close();
    }
  });
});
