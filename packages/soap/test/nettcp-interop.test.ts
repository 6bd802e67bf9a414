// MC-NBFSE session encoding against a real WCF stack: our BinaryMessageEncoder
// (application/soap+msbinsession1) talks to Mono's NetTcpBinding echo service
// (tools/interop/nmf) over @prch/nmf on 127.0.0.1. Mono must read our
// StringTables and we must read Mono's, across several messages of one
// session. Skipped without Mono unless PRCH_REQUIRE_INTEROP=1.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KnownEncoding, Mode, type NmfEvent, NmfInitiator } from "@prch/nmf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryMessageEncoder, Message, sessionString, WSA } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(here, "../../../tools/interop/nmf/Program.cs");
// Our own copy of the echo service binary, so we never race the nmf tests' build.
const EXE = resolve(here, "../../../tools/interop/soap/bin/NmfEcho.exe");
const NS = "http://prch.test/nmf";

const monoOk = () =>
  ["mono", "mcs"].every(
    (c) => spawnSync(c, ["--version"], { stdio: "ignore", timeout: 20_000 }).status === 0,
  );
const available = existsSync(SRC) && monoOk();
const required = process.env.PRCH_REQUIRE_INTEROP === "1";

function build(): void {
  if (existsSync(EXE) && statSync(EXE).mtimeMs >= statSync(SRC).mtimeMs) return;
  mkdirSync(dirname(EXE), { recursive: true });
  const r = spawnSync(
    "mcs",
    ["-nologo", "-r:System.ServiceModel", "-r:System.Runtime.Serialization", `-out:${EXE}`, SRC],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  if (r.status !== 0) throw new Error(`mcs failed: ${r.stdout}${r.stderr}`);
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Lines of a child's stdout, awaited in order. */
class Lines {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private partial = "";
  constructor(child: ChildProcess) {
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (c: string) => {
      this.partial += c;
      const parts = this.partial.split("\n");
      this.partial = parts.pop()!;
      this.lines.push(...parts.map((p) => p.replace(/\r$/, "")));
      this.wake?.();
    });
  }
  async next(prefix: string): Promise<string> {
    for (;;) {
      const i = this.lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return this.lines.splice(0, i + 1).pop()!;
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }
}

/** Minimal glue between a socket and the sans-IO NMF initiator. */
class Link {
  private readonly events: NmfEvent[] = [];
  private wake: (() => void) | undefined;
  constructor(
    private readonly socket: Socket,
    readonly nmf: NmfInitiator,
  ) {
    socket.on("data", (b: Buffer) => this.push(nmf.receive(b)));
    socket.on("close", () => this.push(nmf.receiveEof()));
    socket.on("error", () => {});
  }
  push(events: NmfEvent[]): void {
    this.events.push(...events);
    if (this.nmf.hasOutput && !this.socket.destroyed) this.socket.write(this.nmf.takeOutput());
    this.wake?.();
  }
  async next<T extends NmfEvent["type"]>(type: T): Promise<Extract<NmfEvent, { type: T }>> {
    for (;;) {
      const i = this.events.findIndex((e) => e.type === type || e.type === "error");
      if (i >= 0) {
        const e = this.events.splice(0, i + 1).pop()!;
        if (e.type === "error") throw e.error;
        return e as Extract<NmfEvent, { type: T }>;
      }
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }
}

describe.skipIf(!available && !required)(
  "binary session encoding against Mono NetTcpBinding",
  () => {
    let server: ChildProcess | undefined;
    let out: Lines;
    let port = 0;

    beforeAll(async () => {
      if (!available) throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
      build();
      port = await freePort();
      server = spawn("mono", [EXE, "server", String(port), "duplex-binary"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      out = new Lines(server);
      await out.next("READY");
    }, 180_000);

    afterAll(async () => {
      if (server === undefined) return;
      server.stdin?.end();
      const timer = setTimeout(() => server?.kill("SIGKILL"), 5000);
      await new Promise((r) => server!.once("exit", r));
      clearTimeout(timer);
    });

    it("Mono reads our StringTables and we read Mono's, message after message", async () => {
      const via = `net.tcp://127.0.0.1:${port}/echo`;
      const socket = await new Promise<Socket>((res, rej) => {
        const s = connect(port, "127.0.0.1", () => res(s));
        s.once("error", rej);
      });
      const link = new Link(
        socket,
        new NmfInitiator({ mode: Mode.Duplex, via, encoding: KnownEncoding.Soap12BinarySession }),
      );
      link.push(link.nmf.start());
      await link.next("preambleComplete");

      const enc = new BinaryMessageEncoder({ session: true });
      for (const text of ["hello <soap>", "again", "dritte Nachricht ✓"]) {
        const id = `urn:uuid:${randomUUID()}`;
        const request = new Message({
          action: "urn:prch:echo",
          messageId: id,
          replyTo: { uri: WSA.anonymous10 },
          to: via,
          body: (o) => {
            o.startElement(sessionString("Echo"), sessionString(NS));
            o.startElement(sessionString("text"), sessionString(NS));
            o.writer.writeString(text);
            o.endElement();
            o.endElement();
          },
        });
        link.push(link.nmf.sendEnvelope(enc.encode(request)));
        const reply = enc.decode((await link.next("envelope")).payload);
        expect(reply.action).toBe("urn:prch:echoResponse");
        expect(reply.relatesTo?.id).toBe(id);
        const body = reply.getBodyReader();
        body.expectStart("EchoResponse", NS, "Body");
        body.enter();
        body.nextChild("EchoResponse");
        expect(body.text()).toBe(`echo:${text}`);
        expect(await out.next("ECHO ")).toBe(`ECHO ${text}`);
      }
      // Both directions defined strings in the session and reused them.
      expect(enc.outgoing!.count).toBeGreaterThan(3);
      expect(enc.incoming!.count).toBeGreaterThan(0);
      link.push(link.nmf.end());
      await link.next("closed");
    }, 60_000);
  },
);
