// Interop with a real WCF stack: Mono's System.ServiceModel over net.tcp
// (security None), on 127.0.0.1 only. Skipped when Mono is missing unless
// PRCH_REQUIRE_INTEROP=1, in which case a missing Mono fails the run.
import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EnvelopeCodec,
  KnownEncoding,
  Mode,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
} from "../src/index.js";
import { buildTool, freePort, MonoProcess, monoAvailable } from "./mono.js";
import { echoRequest, echoResponse, fields, notifyRequest } from "./soap-text.js";
import { SocketDriver } from "./wire.js";

const available = monoAvailable();
const required = process.env.PRCH_REQUIRE_INTEROP === "1";

async function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

interface Binding {
  name: string;
  mode: Mode;
  encoding: KnownEncoding;
}

const BINDINGS: Binding[] = [
  { name: "duplex-text", mode: Mode.Duplex, encoding: KnownEncoding.Soap12Utf8 },
  { name: "duplex-binary", mode: Mode.Duplex, encoding: KnownEncoding.Soap12BinarySession },
  { name: "singleton-binary", mode: Mode.SingletonUnsized, encoding: KnownEncoding.Soap12Binary },
];

describe.skipIf(!available && !required)("interop with Mono WCF NetTcp", () => {
  beforeAll(() => {
    if (!available) throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
    buildTool();
  });

  describe.each(BINDINGS)("$name: our initiator calls a Mono service", (binding) => {
    let server: MonoProcess;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      server = MonoProcess.start(["server", String(port), binding.name]);
      await server.line("READY");
    });
    afterAll(async () => {
      await server?.stop();
    });

    it(
      binding.mode === Mode.Duplex
        ? "request-reply and one-way over one session, then End"
        : "request-reply, then End both ways; one-way on a second connection",
      async () => {
        const via = `net.tcp://127.0.0.1:${port}/echo`;
        const session = new NmfInitiator({ mode: binding.mode, via, encoding: binding.encoding });
        const codec = new EnvelopeCodec(binding.encoding);
        const d = new SocketDriver(await open(port), session);
        session.start();
        d.flush();
        const pc = await d.nextOf("preambleComplete");
        expect(pc.mode).toBe(binding.mode);

        const id = `urn:uuid:${randomUUID()}`;
        session.sendEnvelope(codec.encodeFromText(echoRequest(via, "hello <nmf>", id)));
        d.flush();
        const reply = fields(codec.decodeToText((await d.nextOf("envelope")).payload));
        expect(reply.action).toBe("urn:prch:echoResponse");
        expect(reply.text).toBe("echo:hello <nmf>");
        expect(await server.line("ECHO")).toBe("ECHO hello <nmf>");

        if (binding.mode === Mode.Duplex) {
          // A second exchange reuses the session strings of the first (0x08).
          session.sendEnvelope(
            codec.encodeFromText(echoRequest(via, "again", `urn:uuid:${randomUUID()}`)),
          );
          d.flush();
          expect(fields(codec.decodeToText((await d.nextOf("envelope")).payload)).text).toBe(
            "echo:again",
          );
          session.sendEnvelope(codec.encodeFromText(notifyRequest(via, "one-way")));
          d.flush();
          expect(await server.line("NOTIFY")).toBe("NOTIFY one-way");
          d.add(session.end());
        } else {
          // Singleton Unsized: our End went with the request; Mono answers with End.
          expect(await d.nextOf("end")).toEqual({ type: "end" });
        }
        await d.nextOf("closed");
        // Mono's duplex server closes the socket on End without its own End (see session.ts).
        expect(d.events.filter((e) => e.type === "error")).toEqual([]);
        if (binding.mode === Mode.SingletonUnsized) {
          // One-way: a new connection (one message per Singleton Unsized session).
          const oneWay = new NmfInitiator({ mode: binding.mode, via, encoding: binding.encoding });
          const w = new SocketDriver(await open(port), oneWay);
          oneWay.start();
          w.flush();
          await w.nextOf("preambleComplete");
          w.add(oneWay.sendEnvelope(codec.encodeFromText(notifyRequest(via, "one-way"))));
          expect(await server.line("NOTIFY")).toBe("NOTIFY one-way");
          // No reply to a one-way message: Mono closes the connection.
          expect(await w.nextOf("closed")).toEqual({ type: "closed", clean: false });
          expect(w.events.filter((e) => e.type === "error")).toEqual([]);
        }
      },
    );
  });

  describe.each(BINDINGS)("$name: a Mono client calls our receiver", (binding) => {
    let listener: Server;
    let port: number;
    const received: string[] = [];
    const drivers: SocketDriver[] = [];

    beforeAll(async () => {
      listener = createServer((socket) => {
        const session = new NmfReceiver({ modes: [binding.mode], encodings: [binding.encoding] });
        const codec = new EnvelopeCodec(binding.encoding);
        const d = new SocketDriver(socket, session, (e: NmfEvent, drv) => {
          if (e.type === "envelope") {
            const f = fields(codec.decodeToText(e.payload));
            received.push(`${f.action} ${f.text}`);
            if (f.action === "urn:prch:echo" && f.messageId !== undefined) {
              const response = codec.encodeFromText(echoResponse(f.messageId, `echo:${f.text}`));
              if (binding.mode === Mode.Duplex) session.sendEnvelope(response);
              else pendingReply.set(drv, response);
            }
          } else if (e.type === "end" && session.sendAllowed) {
            // Singleton Unsized: the reply (with its End) goes after the request's End.
            const reply = pendingReply.get(drv);
            drv.add(reply ? session.sendEnvelope(reply) : session.end());
          }
        });
        drivers.push(d);
      });
      await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
      const address = listener.address();
      port = typeof address === "object" && address ? address.port : 0;
    });
    afterAll(async () => {
      await new Promise<void>((r) => listener.close(() => r()));
    });

    it("serves its calls and ends the session", async () => {
      const client = MonoProcess.start([
        "client",
        binding.name,
        `net.tcp://127.0.0.1:${port}/echo`,
        "from mono",
      ]);
      expect(await client.line("ECHO-RESULT")).toBe("ECHO-RESULT echo:from mono");
      expect(await client.line("DONE")).toBe("DONE");
      expect(await client.exited).toBe(0);
      const d = drivers[0]!;
      await d.nextOf("closed");
      if (binding.mode === Mode.Duplex) {
        expect(received).toEqual(["urn:prch:echo from mono", "urn:prch:notify from mono"]);
        expect(d.events.map((e) => e.type)).toEqual([
          "preambleComplete",
          "envelope",
          "envelope",
          "end",
          "closed",
        ]);
      } else {
        expect(received).toEqual(["urn:prch:echo from mono"]);
        expect(d.events).toContainEqual({ type: "closed", clean: true });
      }
    });
  });

  describe("faults reach Mono", () => {
    it("a Mono client reads our UnsupportedMode fault record", async () => {
      const events: NmfEvent[] = [];
      const listener = createServer((socket) => {
        const session = new NmfReceiver({ modes: [Mode.SingletonUnsized] });
        socket.on("data", (b) => {
          events.push(...session.receive(b));
          if (session.hasOutput) socket.write(session.takeOutput());
          if (session.closed) socket.end();
        });
        socket.on("error", () => {});
      });
      await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
      const address = listener.address();
      const port = typeof address === "object" && address ? address.port : 0;
      try {
        const client = MonoProcess.start([
          "client",
          "duplex-binary",
          `net.tcp://127.0.0.1:${port}/echo`,
          "x",
        ]);
        expect(await client.exited).toBe(1);
        const error = client.lines.find((l) => l.startsWith("ERROR"));
        // Mono turns the Fault record's string into a FaultException message.
        expect(error).toMatch(/FaultException.*framing\/faults\/UnsupportedMode/);
        expect(events.map((e) => e.type)).toEqual(["error", "closed"]);
      } finally {
        await new Promise<void>((r) => listener.close(() => r()));
      }
    });
  });
});

const pendingReply = new Map<SocketDriver, Uint8Array>();
