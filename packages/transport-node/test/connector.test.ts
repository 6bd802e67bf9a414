import { createServer, type Server, type Socket } from "node:net";
import { createSelfSignedIdentity } from "@prch/security";
import { describe, expect, it } from "vitest";
import {
  connectNetTcp,
  connectorTlsFor,
  listenerTlsFor,
  parseIp,
  socketHost,
  toIpAddress,
  TransportError,
} from "../src/index.js";
import { startListener } from "./helpers.js";

/** A port that nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A server that accepts TCP and never answers: the preamble never completes. */
async function silentServer(): Promise<{
  sockets: Socket[];
  port: number;
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const port = (silent.address() as { port: number }).port;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  };
  return { sockets, port, close };
}

describe("connectNetTcp", () => {
  it("moves on to the next IP after EndpointNotFound", async () => {
    let calls = 0;
    const { listener, uri, next } = await startListener({
      // The first session is refused as if this were the wrong endpoint.
      acceptVia: () => ++calls > 1,
    });
    try {
      const c = await connectNetTcp({
        endpointAddress: uri,
        ipAddresses: ["127.0.0.1", "127.0.0.1"],
      });
      await next();
      expect(calls).toBe(2);
      expect(c.via).toBe(uri);
      c.abort();
    } finally {
      await listener.close();
    }
  });

  it("reports a refused connection as ConnectFailed with the socket error", async () => {
    const port = await closedPort();
    const e = await connectNetTcp({
      endpointAddress: `net.tcp://node:${port}/PeerChannelEndpoints/x`,
      ipAddresses: ["127.0.0.1", "127.0.0.1"],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).code).toBe("ConnectFailed");
    expect(((e as TransportError).cause as TransportError).cause).toMatchObject({
      code: "ECONNREFUSED",
    });
  });

  it("gives up with ConnectTimeout when the peer never answers the preamble", async () => {
    const { sockets, port, close } = await silentServer();
    try {
      const e = await connectNetTcp(
        { endpointAddress: `net.tcp://h:${port}/p`, ipAddresses: ["127.0.0.1", "127.0.0.1"] },
        { timeoutMs: 200 },
      ).catch((x: unknown) => x);
      expect((e as TransportError).code).toBe("ConnectTimeout");
      // Both addresses were tried within the one budget.
      expect(sockets.length).toBe(2);
    } finally {
      await close();
    }
  });

  it("reports ConnectTimeout when the last address timed out before the whole budget was spent", async () => {
    // attemptTimeoutMs caps each address, so the loop ends long before the 60 s deadline; the
    // outcome is still a timeout, not a refusal (this was ConnectFailed whenever the last timer
    // fired ahead of the wall-clock deadline).
    const { sockets, port, close } = await silentServer();
    try {
      const e = await connectNetTcp(
        { endpointAddress: `net.tcp://h:${port}/p`, ipAddresses: ["127.0.0.1"] },
        { timeoutMs: 60_000, attemptTimeoutMs: 100 },
      ).catch((x: unknown) => x);
      expect((e as TransportError).code).toBe("ConnectTimeout");
      expect(((e as TransportError).cause as TransportError).code).toBe("ConnectTimeout");
      expect(sockets.length).toBe(1);
    } finally {
      await close();
    }
  });

  it("fails at once on a security failure, without trying the next IP", async () => {
    const [a, b] = await Promise.all([createSelfSignedIdentity(), createSelfSignedIdentity()]);
    let sessions = 0;
    const { listener, uri } = await startListener({
      tls: listenerTlsFor({ mode: "password", identity: b, password: "p" })!,
    });
    listener.on("rejected", () => sessions++);
    try {
      // The listener requires a client certificate; this client shows none.
      const tls = connectorTlsFor({ mode: "password", identity: a, password: "p" })!;
      const { cert: _c, key: _k, ...noCert } = tls.options;
      const e = await connectNetTcp(
        { endpointAddress: uri, ipAddresses: ["127.0.0.1", "127.0.0.1", "127.0.0.1"] },
        { tls: { options: noCert } },
      ).catch((x: unknown) => x);
      expect((e as TransportError).code).toBe("SecurityFailed");
      await new Promise((r) => setTimeout(r, 50));
      expect(sessions).toBe(1);
    } finally {
      await listener.close();
    }
  });

  it("rejects address lists it cannot use", async () => {
    await expect(
      connectNetTcp({ endpointAddress: "net.tcp://h/p", ipAddresses: [] }),
    ).rejects.toMatchObject({
      code: "NoAddresses",
    });
    await expect(
      connectNetTcp({ endpointAddress: "http://h/p", ipAddresses: ["127.0.0.1"] }),
    ).rejects.toMatchObject({ code: "InvalidAddress" });
  });

  it("accepts @prch/soap IPAddress values", () => {
    expect(
      toIpAddress({ family: "InterNetwork", bytes: Uint8Array.of(127, 0, 0, 1), scopeId: 0n }),
    ).toEqual(parseIp("127.0.0.1"));
    const v6 = new Uint8Array(16);
    v6[0] = 0xfe;
    v6[1] = 0x80;
    v6[15] = 1;
    const ip = toIpAddress({ family: "InterNetworkV6", bytes: v6, scopeId: 4n });
    expect(ip.address).toBe("fe80::1");
    expect(ip.scopeId).toBe(4);
    expect(() =>
      toIpAddress({ family: "InterNetwork", bytes: new Uint8Array(3), scopeId: 0n }),
    ).toThrow(TransportError);
  });
});

describe("socketHost", () => {
  const table = {
    lo: [{ address: "::1", family: "IPv6", scopeid: 0 }],
    eth0: [{ address: "fe80::aa", family: "IPv6", scopeid: 3 }],
  } as never;
  it("names the zone by interface on Unix, where libuv wants a name", () => {
    expect(socketHost(parseIp("fe80::1%3"), table, "linux")).toBe("fe80::1%eth0");
    expect(socketHost(parseIp("fe80::1%9"), table, "linux")).toBe("fe80::1%9");
    expect(socketHost(parseIp("fe80::1%3"), table, "win32")).toBe("fe80::1%3");
    expect(socketHost(parseIp("2001:db8::1"), table, "linux")).toBe("2001:db8::1");
    expect(socketHost(parseIp("127.0.0.1"), table, "linux")).toBe("127.0.0.1");
  });
});
