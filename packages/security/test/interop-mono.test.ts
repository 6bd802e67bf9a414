// Cross-checks against .NET APIs running on Mono (tools/interop/security):
// the CAPI blob and PeerHashToken byte for byte, and a password-mode
// handshake over a real TLS session between Node and Mono's SslStream in both
// roles. Skipped when mcs/mono are not installed.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import {
  capiBlobFromCertificate,
  computePeerHashToken,
  type HandshakeAction,
  type PeerSecurity,
  passwordHandshakeFor,
  peerTlsClientOptions,
  peerTlsServerOptions,
  PEER_HASH_TOKEN_TYPE,
  TRUST_STATUS_VALID,
  TRUST_VALIDATE_REQUEST_TYPE,
} from "../src/index.js";
import { fixtureIdentity, fixturePem } from "./harness.js";

const toolDir = join(__dirname, "..", "..", "..", "tools", "interop", "security");
const exe = join(toolDir, "bin", "PeerTokenInterop.exe");
const fixtures = join(__dirname, "fixtures");
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function hasMono(): boolean {
  try {
    execFileSync("mcs", ["--version"], { stdio: "ignore", timeout: 20_000 });
    execFileSync("mono", ["--version"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const PASSWORDS = [
  "mesh-password",
  "  padded\t\r\n",
  "",
  "пароль-密码-🔑",
  "\u0085x\u0085",
  "\uFEFFx",
  "\u3000wide\u2003",
];

/** Runs mono with args; resolves with its stdout lines. `onLine` sees lines as they come. */
function runMono(args: string[], onLine: (line: string) => void = () => {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("mono", [exe, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let buf = "";
    let err = "";
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString("utf8");
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        lines.push(line);
        onLine(line);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(lines);
      else reject(new Error(`mono exited ${code}: ${err}; stdout: ${lines.join(" | ")}`));
    });
  });
}

/** Reads "\n"-terminated lines from a TLS socket; undefined at close. */
function lineReader(socket: tls.TLSSocket): () => Promise<string | undefined> {
  let buf = "";
  const lines: string[] = [];
  const waiters: Array<(l: string | undefined) => void> = [];
  let closed = false;
  socket.on("data", (d: Buffer) => {
    buf += d.toString("latin1");
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const end = () => {
    closed = true;
    for (const w of waiters.splice(0)) w(undefined);
  };
  socket.on("close", end);
  socket.on("end", end);
  socket.on("error", () => {});
  return () => {
    if (lines.length > 0) return Promise.resolve(lines.shift());
    if (closed) return Promise.resolve(undefined);
    return new Promise((r) => waiters.push(r));
  };
}

const pwMode = (name: string, password: string): PeerSecurity & { mode: "password" } => ({
  mode: "password",
  identity: fixtureIdentity(name),
  password,
});

describe.skipIf(!hasMono())("interop with .NET on Mono", () => {
  beforeAll(() => {
    mkdirSync(join(toolDir, "bin"), { recursive: true });
    execFileSync("mcs", [`-out:${exe}`, join(toolDir, "Program.cs")], { timeout: 120_000 });
  });

  it.each(["pw-alice", "pw-bob", "cert-node1"])(
    "CAPI blob and tokens agree for %s",
    async (name) => {
      const pem = fixturePem(name);
      const args = PASSWORDS.map(b64);
      const out = await runMono(["token", join(fixtures, `${name}.crt.pem`), ...args]);
      expect(out[0]).toBe(`BLOB ${Buffer.from(capiBlobFromCertificate(pem)).toString("hex")}`);
      expect(out.slice(1)).toEqual(
        PASSWORDS.map(
          (p, i) => `TOKEN ${args[i]} ${computePeerHashToken(p, capiBlobFromCertificate(pem))}`,
        ),
      );
    },
  );

  async function nodeResponder(password: string, monoPassword: string) {
    const security = pwMode("pw-bob", password);
    let result: HandshakeAction[] = [];
    const done = new Promise<void>((resolveDone) => {
      const server = tls.createServer(peerTlsServerOptions(security)!, async (socket) => {
        server.close();
        const hs = passwordHandshakeFor(socket, security, "responder", 0);
        hs.start(0);
        const line = await lineReader(socket)();
        const authenticator = line?.startsWith("RST ") ? line.slice(4) : undefined;
        result = hs.receive(
          {
            kind: "rst",
            body: {
              tokenType: PEER_HASH_TOKEN_TYPE,
              requestType: TRUST_VALIDATE_REQUEST_TYPE,
              authenticator,
            },
          },
          1,
        );
        for (const a of result) {
          if (a.type === "send-rstr") socket.write(`RSTR ${a.body.authenticator}\n`);
          if (a.type === "abort") socket.destroy();
        }
        if (!result.some((a) => a.type === "abort")) socket.end();
        resolveDone();
      });
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port;
        monoOut = runMono([
          "tls-initiator",
          String(port),
          join(fixtures, "alice-3des.p12"),
          "fixture-pw",
          b64(monoPassword),
        ]);
      });
    });
    let monoOut: Promise<string[]> = Promise.resolve([]);
    await done;
    return {
      actions: result.map((a) => (a.type === "abort" ? `abort:${a.error.code}` : a.type)),
      mono: await monoOut,
    };
  }

  it("Mono initiator ↔ Node responder, right password: both authenticated", async () => {
    const r = await nodeResponder(" mesh ", "mesh");
    expect(r.actions).toEqual(["send-rstr", "authenticated"]);
    expect(r.mono.at(-1)).toBe("AUTHENTICATED");
  });

  it("Mono initiator ↔ Node responder, wrong password: Node aborts without reply", async () => {
    const r = await nodeResponder("mesh", "other");
    expect(r.actions).toEqual(["abort:token-mismatch"]);
    expect(r.mono.at(-1)).toBe("ABORTED");
  });

  it.each([
    ["right", "mesh", "mesh", "AUTHENTICATED", "authenticated"],
    ["wrong", "mesh", "nope", "MISMATCH", "peer-closed"],
  ])(
    "Node initiator ↔ Mono responder, %s password",
    async (_w, nodePw, monoPw, monoResult, nodeResult) => {
      const security = pwMode("pw-alice", nodePw);
      let nodeOutcome = "";
      let nodeDone: () => void = () => {};
      const nodeFinished = new Promise<void>((r) => {
        nodeDone = r;
      });
      const mono = runMono(
        ["tls-responder", join(fixtures, "bob-3des.p12"), "fixture-pw", b64(monoPw)],
        (line) => {
          if (!line.startsWith("PORT ")) return;
          const socket = tls.connect(
            { ...peerTlsClientOptions(security)!, host: "127.0.0.1", port: Number(line.slice(5)) },
            async () => {
              const hs = passwordHandshakeFor(socket, security, "initiator", 0);
              for (const a of hs.start(0))
                if (a.type === "send-rst") socket.write(`RST ${a.body.authenticator}\n`);
              const reply = await lineReader(socket)();
              if (reply === undefined) nodeOutcome = "peer-closed";
              else {
                const acts = hs.receive(
                  {
                    kind: "rstr",
                    body: {
                      tokenType: PEER_HASH_TOKEN_TYPE,
                      statusCode: TRUST_STATUS_VALID,
                      authenticator: reply.slice(5),
                    },
                  },
                  1,
                );
                nodeOutcome = acts
                  .map((a) => (a.type === "abort" ? `abort:${a.error.code}` : a.type))
                  .join(",");
              }
              socket.destroy();
              nodeDone();
            },
          );
          socket.on("error", () => {});
        },
      );
      const [out] = await Promise.all([mono, nodeFinished]);
      expect(out.at(-1)).toBe(monoResult);
      expect(nodeOutcome).toBe(nodeResult);
    },
  );
});
