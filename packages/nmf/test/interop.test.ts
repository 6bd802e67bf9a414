// Interop with a real WCF stack: Mono's System.ServiceModel over net.tcp
// (security None), on 127.0.0.1 only. Skipped when Mono is missing unless
// PRCH_REQUIRE_INTEROP=1, in which case a missing Mono fails the run.
import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KnownEncoding, Mode, NmfInitiator, type NmfEvent, NmfReceiver } from "../src/index.js";
import { buildTool, freePort, MonoProcess, monoAvailable } from "./mono.js";
import { echoRequest, echoResponse, fields, notifyRequest, utf8 } from "./soap-text.js";
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
  encoding: KnownEncoding;
}

const TEXT: Binding = { name: "duplex-text", encoding: KnownEncoding.Soap12Utf8 };

describe.skipIf(!available && !required)("interop with Mono WCF NetTcp", () => {
  beforeAll(() => {
    if (!available) throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
    buildTool();
  });

  describe("our initiator calls a Mono service (duplex)", () => {
    let server: MonoProcess;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      server = MonoProcess.start(["server", String(port), TEXT.name]);
      await server.line("READY");
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("request-reply and one-way over one session, then End", async () => {
      const via = `net.tcp://127.0.0.1:${port}/echo`;
      const session = new NmfInitiator({ mode: Mode.Duplex, via, encoding: TEXT.encoding });
      const d = new SocketDriver(await open(port), session);
      session.start();
      d.flush();
      const pc = await d.nextOf("preambleComplete");
      expect(pc.mode).toBe(Mode.Duplex);

      const id = `urn:uuid:${randomUUID()}`;
      session.sendEnvelope(utf8.encode(echoRequest(via, "hello <nmf>", id)));
      d.flush();
      const reply = fields(utf8.decode((await d.nextOf("envelope")).payload));
      expect(reply.action).toBe("urn:prch:echoResponse");
      expect(reply.text).toBe("echo:hello <nmf>");
      expect(await server.line("ECHO")).toBe("ECHO hello <nmf>");

      session.sendEnvelope(utf8.encode(notifyRequest(via, "one-way")));
      d.flush();
      expect(await server.line("NOTIFY")).toBe("NOTIFY one-way");

      d.add(session.end());
      const closed = await d.nextOf("closed");
      // Mono closes the socket on End without sending its own (see session.ts).
      expect(closed.type).toBe("closed");
      expect(d.events.filter((e) => e.type === "error")).toEqual([]);
    });
  });

  describe("a Mono client calls our receiver (duplex)", () => {
    let listener: Server;
    let port: number;
    const received: string[] = [];
    const drivers: SocketDriver[] = [];

    beforeAll(async () => {
      listener = createServer((socket) => {
        const session = new NmfReceiver({ modes: [Mode.Duplex], encodings: [TEXT.encoding] });
        const d = new SocketDriver(socket, session, (e: NmfEvent, drv) => {
          if (e.type === "envelope") {
            const f = fields(utf8.decode(e.payload));
            received.push(`${f.action} ${f.text}`);
            if (f.action === "urn:prch:echo" && f.messageId !== undefined) {
              session.sendEnvelope(utf8.encode(echoResponse(f.messageId, `echo:${f.text}`)));
            }
          } else if (e.type === "end" && session.sendAllowed) {
            drv.add(session.end());
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

    it("serves request-reply and one-way, and ends the session", async () => {
      const client = MonoProcess.start([
        "client",
        TEXT.name,
        `net.tcp://127.0.0.1:${port}/echo`,
        "from mono",
      ]);
      expect(await client.line("ECHO-RESULT")).toBe("ECHO-RESULT echo:from mono");
      expect(await client.line("DONE")).toBe("DONE");
      expect(await client.exited).toBe(0);
      expect(received).toEqual(["urn:prch:echo from mono", "urn:prch:notify from mono"]);
      const d = drivers[0]!;
      await d.nextOf("closed");
      expect(d.events.map((e) => e.type)).toEqual([
        "preambleComplete",
        "envelope",
        "envelope",
        "end",
        "closed",
      ]);
    });
  });
});
