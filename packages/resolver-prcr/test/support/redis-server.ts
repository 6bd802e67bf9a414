import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";

/** A redis-server child process listening on 127.0.0.1. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Path of redis-server on PATH (or /usr/bin), or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"];
  for (const d of dirs) {
    if (d === "") continue;
    const p = join(d, "redis-server");
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Whether a missing redis-server must fail the suite instead of skipping it. */
export const requireInterop = process.env.PRCH_REQUIRE_INTEROP === "1";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
    sock.once("connect", () => sock.write("PING\r\n"));
  });
}

/** Start a throw-away redis-server (no persistence) on a free loopback port. */
export async function startRedisServer(binary: string, fixedPort?: number): Promise<RedisServer> {
  const port = fixedPort ?? (await freePort());
  const child: ChildProcess = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  // Bounded wait for the server to answer PING (at most ~10 s).
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error(`redis-server exited early: ${stderr}`);
    if (await ping(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (exited) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}: ${stderr}`);
}
