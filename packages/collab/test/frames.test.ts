import * as net from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CollabError,
  createPerson,
  type Person,
  encodeFrame,
  FrameReader,
  FrameServer,
  formatEndpoint,
  parseEndpoint,
  requestFrame,
} from "../src/index.js";
import { until } from "./support.js";

describe("frames", () => {
  it("reassembles frames however the stream is split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }),
        (values, cuts) => {
          const bytes = Buffer.concat(values.map((v) => encodeFrame(v)));
          const r = new FrameReader();
          const got: unknown[] = [];
          let at = 0;
          for (const c of cuts) {
            got.push(...r.push(bytes.subarray(at, at + c)));
            at = Math.min(bytes.length, at + c);
          }
          got.push(...r.push(bytes.subarray(at)));
          expect(got).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses an oversize length before its bytes arrive", () => {
    const r = new FrameReader(100);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(0xffffffff, 0);
    expect(() => r.push(head)).toThrow(expect.objectContaining({ code: "QuotaExceeded" }));
    const r2 = new FrameReader();
    expect(() => r2.push(Buffer.from([0, 0, 0, 2, 0x7b, 0x7b]))).toThrow(
      expect.objectContaining({ code: "Malformed" }),
    );
  });

  it("parses only tcp://ip:port endpoints", () => {
    expect(parseEndpoint("tcp://10.77.0.2:4000")).toEqual({
      scheme: "tcp",
      host: "10.77.0.2",
      port: 4000,
    });
    expect(parseEndpoint("tls://[::1]:1")).toEqual({ scheme: "tls", host: "::1", port: 1 });
    expect(formatEndpoint("::1", 5)).toBe("tls://[::1]:5");
    expect(formatEndpoint("10.77.0.1", 5, "tcp")).toBe("tcp://10.77.0.1:5");
    for (const bad of [
      "tcp://example.com:1",
      "tcp://1.2.3.4:0",
      "tcp://1.2.3.4:70000",
      "udp://1.2.3.4:1",
      "tcp://999.1.1.1:1",
    ]) {
      expect(() => parseEndpoint(bad)).toThrow(CollabError);
    }
  });

  it("a request gets its reply over 127.0.0.1; garbage and oversize requests are dropped", async () => {
    const server = new FrameServer(async (f) => ({ echo: f }), { maxFrame: 1024 });
    const port = await server.listen("127.0.0.1", 0);
    const ep = formatEndpoint("127.0.0.1", port, "tcp");
    try {
      expect(await requestFrame(ep, { hi: 1 })).toEqual({ echo: { hi: 1 } });
      await expect(requestFrame(ep, { big: "x".repeat(2000) })).rejects.toMatchObject({
        code: "Unreachable",
      });
      await expect(
        requestFrame(formatEndpoint("127.0.0.1", 1, "tcp"), {}, { timeoutMs: 2000 }),
      ).rejects.toBeInstanceOf(CollabError);
    } finally {
      await server.close();
    }
  });
});

describe("connection limits", () => {
  it("one address cannot hold more than its share of connections", async () => {
    const server = new FrameServer(async (f) => f, { maxConnectionsPerAddress: 3 });
    const port = await server.listen("127.0.0.1", 0);
    const idle: net.Socket[] = [];
    try {
      const closed: number[] = [];
      for (let i = 0; i < 4; i++) {
        const s = net.connect({ host: "127.0.0.1", port });
        s.on("error", () => undefined);
        s.on("close", () => closed.push(i));
        await new Promise((r) => s.once("connect", r));
        idle.push(s);
      }
      await until(() => closed.length === 1, "fourth connection closed");
      expect(closed).toEqual([3]);
      // Occupied: a real request is turned away too, until the idle ones go.
      await expect(
        requestFrame(formatEndpoint("127.0.0.1", port, "tcp"), {}),
      ).rejects.toMatchObject({
        code: "Unreachable",
      });
      for (const s of idle) s.destroy();
      await until(() => closed.length === 4, "idle connections closed");
      let reply: unknown;
      for (let i = 0; i < 50 && reply === undefined; i++) {
        reply = await requestFrame(formatEndpoint("127.0.0.1", port, "tcp"), { ok: 1 }).catch(
          () => undefined,
        );
      }
      expect(reply).toEqual({ ok: 1 });
    } finally {
      for (const s of idle) s.destroy();
      await server.close();
    }
  });
});

describe("TLS endpoints", () => {
  it("reach the person whose key is pinned, and nobody else", async () => {
    const [bob, alice, mallory] = await Promise.all([
      createPerson("Bob"),
      createPerson("Alice"),
      createPerson("Mallory"),
    ]);
    const ident = (p: Person) => ({
      cert: p.identity.certificatePem,
      key: p.identity.privateKeyPem,
    });
    const server = new FrameServer(async (f) => ({ echo: f }), { tls: ident(bob) });
    const port = await server.listen("127.0.0.1", 0);
    const ep = formatEndpoint("127.0.0.1", port);
    try {
      const reply = await requestFrame(
        ep,
        { hi: 1 },
        { tls: { identity: ident(alice), expectedPin: bob.pin } },
      );
      expect(reply).toEqual({ echo: { hi: 1 } });
      await expect(
        requestFrame(ep, { hi: 1 }, { tls: { identity: ident(alice), expectedPin: mallory.pin } }),
      ).rejects.toMatchObject({ code: "Untrusted" });
      await expect(requestFrame(ep, {})).rejects.toMatchObject({ code: "InvalidArgument" });
      // A plain-TCP client gets nothing from a TLS endpoint.
      await expect(
        requestFrame(formatEndpoint("127.0.0.1", port, "tcp"), {}, { timeoutMs: 3000 }),
      ).rejects.toBeInstanceOf(CollabError);
    } finally {
      await server.close();
    }
  });
});
