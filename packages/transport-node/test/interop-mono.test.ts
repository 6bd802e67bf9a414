// Our connector/listener and MessageChannel against a real WCF stack: Mono's
// NetTcpBinding(SecurityMode.None) — NMF Duplex, binary session encoding
// 0x08 — using the echo peer in tools/interop/nmf (compiled here into a
// temporary directory). Skipped without Mono unless PRCH_REQUIRE_INTEROP=1.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Message } from "@prch/soap";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNetTcp, MessageChannel, NetTcpListener } from "../src/index.js";

const NS = "http://prch.test/nmf";
const SOURCE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../tools/interop/nmf/Program.cs",
);

function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
}
const haveMono = runs("mono", ["--version"]) && runs("mcs", ["--version"]);
if (process.env.PRCH_REQUIRE_INTEROP === "1" && !haveMono) throw new Error("Mono is required");

/** A Mono process; resolves lines of its stdout as they come. */
class Peer {
  private readonly lines: string[] = [];
  private waiting: (() => void) | undefined;
  private exited = false;
  err = "";
  constructor(readonly child: ChildProcess) {
    let rest = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (rest + d).split("\n");
      rest = parts.pop() ?? "";
      this.lines.push(...parts.map((p) => p.trim()));
      this.waiting?.();
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      this.err += d;
    });
    child.on("exit", () => {
      this.exited = true;
      this.waiting?.();
    });
  }
  async until(prefix: string): Promise<string> {
    // Bounded by the test timeout; each wake-up consumes new lines or exits.
    for (;;) {
      const i = this.lines.findIndex((l) => l.startsWith(prefix) || l.startsWith("ERROR"));
      if (i >= 0) {
        const l = this.lines.splice(0, i + 1).at(-1)!;
        if (l.startsWith("ERROR")) throw new Error(`${l}\n${this.err}`);
        return l;
      }
      if (this.exited) throw new Error(`mono exited before ${prefix}: ${this.err}`);
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }
  async stop(): Promise<void> {
    this.child.stdin?.end();
    const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    if (!this.exited) await new Promise((r) => this.child.once("exit", r));
    clearTimeout(t);
  }
}

function stringBody(op: string, part: string, text: string) {
  return (out: import("@prch/soap").XmlOut) => {
    out.startElement(op, NS);
    out.startElement(part, NS);
    out.writer.writeString(text);
    out.endElement();
    out.endElement();
  };
}

function readString(m: Message, op: string): string {
  const inp = m.getBodyReader();
  inp.expectStart(op, NS, "Envelope/Body");
  let text = "";
  if (inp.enter()) while (inp.nextChild(`Envelope/Body/${op}`)) text = inp.text();
  return text;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(!haveMono)("interop with Mono's NetTcpBinding (security None)", () => {
  let dir: string;
  let exe: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "prch-transport-interop-"));
    exe = join(dir, "EchoPeer.exe");
    const r = spawnSync(
      "mcs",
      [
        "-nologo",
        "-r:System.ServiceModel",
        "-r:System.Runtime.Serialization",
        `-out:${exe}`,
        SOURCE,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 150_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("our connector and MessageChannel call a Mono service", async () => {
    const port = await freePort();
    const mono = new Peer(spawn("mono", [exe, "server", String(port), "duplex-binary"]));
    try {
      await mono.until("READY");
      const uri = `net.tcp://127.0.0.1:${port}/echo`;
      const conn = await connectNetTcp({ endpointAddress: uri, ipAddresses: ["127.0.0.1"] });
      const ch = new MessageChannel(conn);
      ch.resumeReading();
      for (const text of ["hello", "second call in the same session"]) {
        const reply = await ch.request(
          new Message({
            action: "urn:prch:echo",
            to: uri,
            replyTo: { uri: "http://www.w3.org/2005/08/addressing/anonymous" },
            body: stringBody("Echo", "text", text),
          }),
          20_000,
        );
        expect(reply.action).toBe("urn:prch:echoResponse");
        expect(readString(reply, "EchoResponse")).toBe(`echo:${text}`);
        expect(await mono.until("ECHO ")).toBe(`ECHO ${text}`);
      }
      ch.send(
        new Message({
          action: "urn:prch:notify",
          to: uri,
          body: stringBody("Notify", "text", "one-way"),
        }),
      );
      expect(await mono.until("NOTIFY")).toBe("NOTIFY one-way");
      await ch.end();
      // Mono closes on our End without its own (tools/interop/nmf/README.md); either way no error.
      expect(await ch.closed).toBeUndefined();
    } finally {
      await mono.stop();
    }
  }, 60_000);

  it("a Mono client calls our listener and MessageChannel", async () => {
    const listener = new NetTcpListener({
      host: "127.0.0.1",
      acceptVia: (via) => new URL(via).pathname.toLowerCase() === "/echo",
    });
    const port = await listener.listen();
    const seen: string[] = [];
    listener.on("connection", (conn) => {
      const ch = new MessageChannel(conn);
      ch.on("message", (m) => {
        if (m.action === "urn:prch:echo") {
          const text = readString(m, "Echo");
          seen.push(`echo ${text}`);
          ch.send(
            new Message({
              action: "urn:prch:echoResponse",
              relatesTo: { id: m.messageId! },
              body: stringBody("EchoResponse", "EchoResult", `ours:${text}`),
            }),
          );
        } else if (m.action === "urn:prch:notify") {
          seen.push(`notify ${readString(m, "Notify")}`);
        }
      });
      ch.resumeReading();
    });
    const mono = new Peer(
      spawn("mono", [
        exe,
        "client",
        "duplex-binary",
        `net.tcp://127.0.0.1:${port}/echo`,
        "from-mono",
      ]),
    );
    try {
      expect(await mono.until("ECHO-RESULT")).toBe("ECHO-RESULT ours:from-mono");
      await mono.until("DONE");
      // Mono's Close sends End and returns without waiting for ours, so DONE
      // can be printed before we have read the one-way Notify.
      for (let i = 0; i < 500 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual(["echo from-mono", "notify from-mono"]);
    } finally {
      await mono.stop();
      await listener.close();
    }
  }, 60_000);

  it("a Mono client past our session limit reads the ServerTooBusy fault", async () => {
    const listener = new NetTcpListener({ host: "127.0.0.1", maxSessions: 0 });
    const port = await listener.listen();
    const mono = new Peer(
      spawn("mono", [exe, "client", "duplex-binary", `net.tcp://127.0.0.1:${port}/echo`, "x"]),
    );
    try {
      // Mono's framing turns the Fault record into a FaultException naming the fault URI
      // (.NET raises ServerTooBusyException for the same record).
      await expect(mono.until("ECHO-RESULT")).rejects.toThrow(
        /^ERROR FaultException: http:\/\/schemas\.microsoft\.com\/ws\/2006\/05\/framing\/faults\/ServerTooBusy/,
      );
    } finally {
      await mono.stop();
      await listener.close();
    }
  }, 60_000);
});
