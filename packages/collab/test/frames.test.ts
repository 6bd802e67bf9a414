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
