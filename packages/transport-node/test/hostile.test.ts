// Misbehaving peers on raw sockets: each one costs only its own connection,
// gets a typed error, and the listener keeps serving everyone else.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import {
  concatBytes,
  encodePreamble,
  encodeRecord,
  FaultName,
  faultUri,
  KnownEncoding,
  Mode,
} from "@prch/nmf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { connectNetTcp, type NetTcpListener, TransportError } from "../src/index.js";
import { collect, startListener } from "./helpers.js";

function raw(port: number): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect(port, "127.0.0.1", () => res(s));
    s.once("error", rej);
  });
}

/** Everything the raw peer receives until the listener closes it. */
function drain(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on("data", (b) => parts.push(b));
  s.on("error", () => {});
  return new Promise((res) => s.once("close", () => res(Buffer.concat(parts))));
}

function nextRejection(l: NetTcpListener): Promise<TransportError> {
  return new Promise((res) => l.once("rejected", (e) => res(e)));
}

function preamble(port: number): Uint8Array {
  return concatBytes([
    encodePreamble({
      mode: Mode.Duplex,
      via: `net.tcp://127.0.0.1:${port}/x`,
      encoding: KnownEncoding.Soap12BinarySession,
    }),
    encodeRecord({ type: "preambleEnd" }),
  ]);
}

/** A well-behaved client still gets through. */
async function stillServes(
  uri: string,
  next: () => Promise<import("../src/index.js").NetTcpConnection>,
) {
  const c = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
  const s = await next();
  s.resumeReading();
  c.resumeReading();
  const got = collect(s, 1);
  c.send(new Uint8Array([1, 2, 3]));
  expect([...(await got)[0]!]).toEqual([1, 2, 3]);
  c.abort();
}

describe("hostile peers", () => {
  it("garbage bytes: a typed error, a fault or a close, and the listener keeps serving", async () => {
    const { listener, port, uri, next } = await startListener();
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (junk) => {
          const rejected = nextRejection(listener);
          const s = await raw(port);
          const done = drain(s);
          s.write(junk);
          // Junk that happens to be a valid prefix waits for more: end it.
          s.end();
          const e = await rejected;
          expect(e).toBeInstanceOf(TransportError);
          await done;
        }),
        { numRuns: 60 },
      );
      await stillServes(uri, next);
    } finally {
      await listener.close();
    }
  });

  it("an oversize record header is refused before its bytes arrive (MaxMessageSizeExceeded)", async () => {
    const { listener, port, uri, next } = await startListener({ maxMessageSize: 65536 });
    try {
      const s = await raw(port);
      const done = drain(s);
      s.write(preamble(port));
      const conn = await next();
      conn.resumeReading();
      // Sized Envelope (0x06) claiming 0x7FFFFF00 bytes; none follow.
      s.write(Uint8Array.of(0x06, 0x80, 0xfe, 0xff, 0xff, 0x07));
      const e = await conn.closed;
      expect(e?.code).toBe("QuotaExceeded");
      const reply = await done;
      // Preamble Ack, then a Fault record naming MaxMessageSizeExceededFault.
      expect(reply[0]).toBe(0x0b);
      expect(reply.toString("latin1")).toContain("MaxMessageSizeExceededFault");
      await stillServes(uri, next);
    } finally {
      await listener.close();
    }
  });

  it("an envelope over the peer's limit ends our connection with the fault it sent", async () => {
    const { listener, uri, next } = await startListener({ maxMessageSize: 1000 });
    try {
      const c = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const s = await next();
      c.resumeReading();
      s.resumeReading();
      c.send(new Uint8Array(2000));
      expect((await s.closed)?.code).toBe("QuotaExceeded");
      const e = await c.closed;
      expect(e?.code).toBe("SessionFault");
      expect(e?.fault).toContain("MaxMessageSizeExceededFault");
    } finally {
      await listener.close();
    }
  });

  it("random bytes after a valid preamble end only that session", async () => {
    const { listener, port, uri, next } = await startListener();
    try {
      for (let i = 0; i < 5; i++) {
        const s = await raw(port);
        const done = drain(s);
        s.write(preamble(port));
        const conn = await next();
        conn.resumeReading();
        // 0x0d..0xff are no record types at all.
        s.write(concatBytes([Uint8Array.of(0x0d + i), randomBytes(32)]));
        const e = await conn.closed;
        expect(e).toBeInstanceOf(TransportError);
        expect(e?.code).toBe("ProtocolError");
        await done;
      }
      await stillServes(uri, next);
    } finally {
      await listener.close();
    }
  });

  it("a peer that never finishes its preamble is dropped by the preamble timer", async () => {
    // Not shorter: stillServes' own preamble must beat this timer on a loaded machine too.
    const { listener, port, uri, next } = await startListener({ preambleTimeoutMs: 400 });
    try {
      const rejected = nextRejection(listener);
      const s = await raw(port);
      const done = drain(s);
      s.write(encodePreamble({ mode: Mode.Duplex, via: "net.tcp://x/", encoding: 0x08 }));
      expect((await rejected).code).toBe("ConnectTimeout");
      await done;
      await stillServes(uri, next);
    } finally {
      await listener.close();
    }
  });

  it("sessions beyond maxSessions get the ServerTooBusy fault and are closed", async () => {
    const { listener, port, uri } = await startListener({ maxSessions: 2 });
    try {
      const a = await raw(port);
      const b = await raw(port);
      a.on("error", () => {});
      b.on("error", () => {});
      const rejected = nextRejection(listener);
      const c = await raw(port);
      const closed = drain(c);
      c.write(preamble(port));
      expect((await rejected).code).toBe("QuotaExceeded");
      // MC-NMF §2.2.5: the Fault record, whole, and then the close.
      expect([...(await closed)]).toEqual([
        ...encodeRecord({ type: "fault", fault: faultUri(FaultName.ServerTooBusy) }),
      ]);
      expect(listener.sessionCount).toBe(2);
      // Our own initiator reports it as a session fault naming ServerTooBusy.
      const e = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] }).then(
        () => undefined,
        (err: unknown) => err as TransportError,
      );
      expect(e?.code).toBe("SessionFault");
      expect(e?.fault).toBe(faultUri(FaultName.ServerTooBusy));
      a.destroy();
      b.destroy();
    } finally {
      await listener.close();
    }
  });

  it("a refused peer that keeps its side open, or keeps sending, is reset", async () => {
    const { listener, port } = await startListener({ maxSessions: 1 });
    const fault = [...encodeRecord({ type: "fault", fault: faultUri(FaultName.ServerTooBusy) })];
    try {
      const a = await raw(port);
      a.on("error", () => {});
      for (const send of [0, 8192]) {
        // allowHalfOpen: our End does not close the peer's side; only the listener's reset does.
        const c = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
        const got = drain(c);
        if (send > 0) c.write(new Uint8Array(send));
        // A byte now and then: once the listener has let go, the next one meets a reset.
        const poke = setInterval(() => {
          if (c.writable) c.write(new Uint8Array(1));
        }, 50);
        try {
          expect([...(await got)]).toEqual(fault);
        } finally {
          clearInterval(poke);
        }
      }
      a.destroy();
    } finally {
      await listener.close();
    }
  });

  it("a slow reader: pending counts grow, nothing crashes, and the byte quota ends the link", async () => {
    const { listener, uri, next } = await startListener({
      connection: { maxQueuedBytes: 4 * 1024 * 1024 },
    });
    try {
      const c = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const s = await next();
      // The client never reads.
      const payload = new Uint8Array(60_000).fill(7);
      const pendings: number[] = [];
      let closedWith: TransportError | undefined;
      s.once("closed", (e) => {
        closedWith = e;
      });
      for (let round = 0; round < 2000 && closedWith === undefined; round++) {
        for (let i = 0; i < 20 && s.isOpen; i++) s.send(payload);
        pendings.push(s.pendingMessages);
        await new Promise((r) => setImmediate(r));
      }
      expect(closedWith?.code).toBe("QuotaExceeded");
      // The count grew while the kernel buffers filled up.
      expect(Math.max(...pendings)).toBeGreaterThan(20);
      expect(pendings.at(-1)! >= pendings[0]!).toBe(true);
      c.abort();
    } finally {
      await listener.close();
    }
  });
});

describe("hostile peers on a secured listener", () => {
  it("garbage where the TLS ClientHello should be: SecurityFailed, and the listener serves on", async () => {
    const { createSelfSignedIdentity } = await import("@prch/security");
    const { listenerTlsFor, connectorTlsFor } = await import("../src/index.js");
    const [a, b] = await Promise.all([createSelfSignedIdentity(), createSelfSignedIdentity()]);
    const { listener, port, uri, next } = await startListener({
      tls: listenerTlsFor({ mode: "password", identity: b, password: "p" })!,
    });
    try {
      const rejected = nextRejection(listener);
      const s = await raw(port);
      const done = drain(s);
      s.write(
        concatBytes([
          encodePreamble({
            mode: Mode.Duplex,
            via: `net.tcp://127.0.0.1:${port}/p`,
            encoding: 0x08,
          }),
          encodeRecord({ type: "upgradeRequest", protocol: "application/ssl-tls" }),
          randomBytes(200),
        ]),
      );
      expect((await rejected).code).toBe("SecurityFailed");
      await done;
      const c = await connectNetTcp(
        { endpointAddress: uri, ipAddresses: ["127.0.0.1"] },
        { tls: connectorTlsFor({ mode: "password", identity: a, password: "p" })! },
      );
      const sc = await next();
      expect(sc.tlsSocket).toBeDefined();
      c.abort();
    } finally {
      await listener.close();
    }
  });
});
