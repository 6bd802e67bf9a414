import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectNetTcp, TransportError } from "../src/index.js";
import { collect, startListener } from "./helpers.js";

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe("NetTcpConnection over 127.0.0.1", () => {
  it("exchanges envelopes both ways in duplex and closes with the End handshake", async () => {
    const { listener, next, uri } = await startListener();
    try {
      const client = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const server = await next();
      expect(server.via).toBe(uri);
      const atServer = collect(server, 3);
      const atClient = collect(client, 2);
      server.resumeReading();
      client.resumeReading();
      client.send(bytes("one"));
      client.send(bytes("two"));
      client.send(bytes("three"));
      server.send(bytes("reply-a"));
      server.send(bytes("reply-b"));
      expect((await atServer).map((b) => Buffer.from(b).toString())).toEqual([
        "one",
        "two",
        "three",
      ]);
      expect((await atClient).map((b) => Buffer.from(b).toString())).toEqual([
        "reply-a",
        "reply-b",
      ]);
      const serverClosed = server.closed;
      await client.end();
      expect(await client.closed).toBeUndefined();
      expect(await serverClosed).toBeUndefined();
    } finally {
      await listener.close();
    }
  });

  it("reports pending sends that drain to zero", async () => {
    const { listener, next, uri } = await startListener();
    try {
      const client = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const server = await next();
      server.resumeReading();
      client.resumeReading();
      const got = collect(server, 100);
      let maxPending = 0;
      for (let i = 0; i < 100; i++) maxPending = Math.max(maxPending, client.send(bytes(`m${i}`)));
      expect(maxPending).toBe(100);
      await new Promise<void>((res) => client.once("drain", () => res()));
      expect(client.pendingMessages).toBe(0);
      expect((await got).length).toBe(100);
      client.abort();
      expect((await client.closed)?.code).toBe("Closed");
    } finally {
      await listener.close();
    }
  });

  it("refuses to send before being ready or after closing", async () => {
    const { listener, next, uri } = await startListener();
    try {
      const client = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      await next();
      client.abort();
      expect(() => client.send(bytes("x"))).toThrow(TransportError);
    } finally {
      await listener.close();
    }
  });
});

describe("envelope sequences (property, real sockets)", () => {
  it("arrive complete and in order whatever their sizes", async () => {
    const { listener, next, uri } = await startListener({ maxMessageSize: 1 << 20 });
    try {
      const client = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const server = await next();
      client.resumeReading();
      server.resumeReading();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), {
            minLength: 1,
            maxLength: 12,
          }),
          async (payloads) => {
            const got = collect(server, payloads.length);
            for (const p of payloads) client.send(p);
            const received = await got;
            expect(received.map((b) => Buffer.from(b).toString("hex"))).toEqual(
              payloads.map((b) => Buffer.from(b).toString("hex")),
            );
          },
        ),
        { numRuns: 40 },
      );
      await client.end();
    } finally {
      await listener.close();
    }
  });
});

describe("NetTcpListener.close", () => {
  it("aborts its ready connections with Closed and stops accepting", async () => {
    const { listener, next, uri, port } = await startListener();
    const client = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
    const server = await next();
    expect(listener.connections).toContain(server);
    await listener.close();
    const e = await server.closed;
    expect(e?.code).toBe("Closed");
    expect(e?.message).toMatch(/listener closed/);
    await client.closed;
    await expect(
      connectNetTcp({ endpointAddress: `net.tcp://h:${port}/p`, ipAddresses: ["127.0.0.1"] }),
    ).rejects.toMatchObject({ code: "ConnectFailed" });
  });
});
