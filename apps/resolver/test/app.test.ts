import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ResolverClient, ResolverFaultError } from "@prch/resolver-prcr";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, UsageError } from "../src/index.js";

const app = join(dirname(fileURLToPath(import.meta.url)), "..");
// Built into test-artifacts (git-ignored) so the test never races a real build of dist/, and
// from the workspace sources (condition @prch/source) so no package needs building first.
const outDir = join(app, "test-artifacts", "app-build");
const main = join(outDir, "main.js");
const redisClient = createRequire(
  join(app, "..", "..", "packages", "resolver-prcr", "package.json"),
).resolve("@redis/client");

beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  await build({
    entry: { main: "src/main.ts" },
    outDir,
    format: ["esm"],
    target: "node20",
    platform: "node",
    config: false,
    dts: false,
    silent: true,
    clean: true,
    // Bundle everything: from test-artifacts the packages' own dependencies are not resolvable.
    noExternal: [/.*/],
    // CommonJS dependencies inside an ESM bundle need a require for Node's builtins.
    banner: {
      js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);',
    },
    esbuildOptions(o) {
      o.conditions = ["@prch/source"];
    },
    // node-redis loses its named exports when bundled; load it from where the store would.
    esbuildPlugins: [
      {
        name: "external-redis",
        setup(b) {
          b.onResolve({ filter: /^@redis\/client$/ }, () => ({
            path: redisClient,
            external: true,
          }));
        },
      },
    ],
  });
}, 120_000);

/** A prch-resolver child process with its output split into lines. */
class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const rl = createInterface({ input: this.proc.stdout! });
    rl.on("line", (l) => {
      this.lines.push(l);
      for (const w of this.#waiters) w();
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.lines.push(`stderr: ${d.toString()}`);
    });
    this.exited = new Promise((r) => this.proc.once("exit", (code) => r(code)));
  }

  /** Waits (at most 20 s) until a line matches. */
  async waitFor(pred: (line: string) => boolean): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    throw new Error(`no matching line in:\n${this.lines.join("\n")}`);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

function logs(c: Child): Record<string, unknown>[] {
  return c.lines.slice(1).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolvePort(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

/** True when something on 127.0.0.1:port answers a Redis PING. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.once("data", (d) => done(d.toString("latin1").startsWith("+PONG")));
    sock.once("connect", () => sock.write("PING\r\n"));
  });
}

const MESH = "app.example";
const pna = (n: number) => ({
  EndpointAddress: `net.tcp://127.0.0.1:4000${n}/PeerChannelEndpoints/0000000${n}-0000-4000-8000-000000000000`,
  IPAddresses: ["127.0.0.1"],
});

describe("prch-resolver", () => {
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
  });

  it("prints its address first, serves, reports counters and stops on SIGTERM", async () => {
    const c = new Child(["--port", "0", "--stats-port", "0"]);
    children.push(c);
    await c.waitFor((l) => l.includes('"stats endpoint"'));
    const address = c.lines[0]!;
    expect(address).toMatch(/^net\.tcp:\/\/127\.0\.0\.1:\d+\/resolver$/);
    const statsUrl = (logs(c).find((l) => l.msg === "stats endpoint")?.url ?? "") as string;
    expect(statsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/stats$/);
    for (const l of logs(c)) {
      expect(typeof l.time).toBe("string");
      expect(["debug", "info", "warn", "error"]).toContain(l.level);
    }

    const a = new ResolverClient({ address });
    const b = new ResolverClient({ address });
    try {
      await a.open();
      await a.register(MESH, pna(1));
      expect(await b.resolve(MESH, 3)).toEqual([pna(1)]);
      const res = await fetch(statsUrl);
      expect(res.status).toBe(200);
      const stats = (await res.json()) as {
        live: { registrations: number };
        operations: { requests: Record<string, number> };
        connections: { accepted: number };
      };
      expect(stats.live.registrations).toBe(1);
      expect(stats.operations.requests.Register).toBe(1);
      expect(stats.operations.requests.GetServiceInfo).toBe(1);
      expect(stats.operations.requests.Resolve).toBe(1);
      expect(stats.connections.accepted).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
    c.proc.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    const stopped = logs(c).find((l) => l.msg === "stopped") as
      | { counters: { operations: { requests: { Unregister: number } } } }
      | undefined;
    expect(stopped?.counters.operations.requests.Unregister).toBe(1);
  });

  it("applies the limits given on the command line", async () => {
    const c = new Child(["--port", "0", "--max-per-mesh", "1", "--rate", "100", "--burst", "5"]);
    children.push(c);
    const address = await c.waitFor((l) => l.startsWith("net.tcp://"));
    const a = new ResolverClient({ address, referralPolicy: "Share" });
    const b = new ResolverClient({ address, referralPolicy: "Share" });
    try {
      await a.register(MESH, pna(3));
      const err = await b.register(MESH, pna(4)).then(
        () => undefined,
        (e: unknown) => e as ResolverFaultError,
      );
      expect(err).toBeInstanceOf(ResolverFaultError);
      expect(err?.remoteCode).toBe("QuotaExceeded");
      expect(err?.reason).toContain("maxRegistrationsPerMesh");
    } finally {
      await a.close();
      await b.close();
    }
    c.proc.kill("SIGTERM");
    expect(await c.exited).toBe(0);
  });

  it("parses every option", () => {
    expect(
      parseConfig([
        "--port",
        "9000",
        "--host",
        "::",
        "--store",
        "redis://r:6379",
        "--stats-port",
        "0",
        "--lifetime-seconds",
        "60",
        "--control-mesh-shape",
        "--rate",
        "5",
        "--max-sessions",
        "7",
      ]),
    ).toMatchObject({
      port: 9000,
      host: "::",
      store: "redis://r:6379",
      statsPort: 0,
      lifetimeSeconds: 60,
      controlMeshShape: true,
      limits: { requestsPerSecond: 5, maxSessions: 7 },
    });
    expect(() => parseConfig(["--rate", "0"])).toThrow(UsageError);
    expect(() => parseConfig(["--tls-cert", "x"])).toThrow("--tls-cert and --tls-key go together");
    expect(() => parseConfig(["--port", "70000"])).toThrow(UsageError);
  });

  it("refuses a bad command line with exit code 2", () => {
    const r = spawnSync(process.execPath, [main, "--store", "mongodb://x"], { timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain("--store must be memory or a redis:// URL");
    const u = spawnSync(process.execPath, [main, "--bogus"], { timeout: 20_000 });
    expect(u.status).toBe(2);
  });

  it("exits with 1 when the port is taken", async () => {
    const first = new Child(["--port", "0"]);
    children.push(first);
    const address = await first.waitFor((l) => l.startsWith("net.tcp://"));
    const port = new URL(address).port;
    const r = spawnSync(process.execPath, [main, "--port", port], { timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toContain("cannot start");
    first.proc.kill("SIGINT");
    expect(await first.exited).toBe(0);
  });

  const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync);
  it.skipIf(redisServer === undefined)(
    "shares registrations between two instances on one Redis",
    async () => {
      const rport = await freePort();
      const srv = spawn(
        redisServer!,
        ["--port", String(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      try {
        // Bounded wait for Redis to accept connections.
        let up = false;
        for (let i = 0; i < 50 && !up; i++) {
          up = await redisPing(rport);
          if (!up) await new Promise((r) => setTimeout(r, 100));
        }
        expect(up).toBe(true);
        const store = `redis://127.0.0.1:${rport}`;
        const one = new Child(["--port", "0", "--store", store]);
        const two = new Child(["--port", "0", "--store", store]);
        children.push(one, two);
        const a1 = await one.waitFor((l) => l.startsWith("net.tcp://"));
        const a2 = await two.waitFor((l) => l.startsWith("net.tcp://"));
        const a = new ResolverClient({ address: a1, referralPolicy: "Share" });
        const b = new ResolverClient({ address: a2, referralPolicy: "Share" });
        try {
          await a.register(MESH, pna(2));
          expect(await b.resolve(MESH, 3)).toEqual([pna(2)]);
        } finally {
          await a.close();
          await b.close();
        }
        one.proc.kill("SIGTERM");
        two.proc.kill("SIGTERM");
        expect(await one.exited).toBe(0);
        expect(await two.exited).toBe(0);
      } finally {
        srv.kill("SIGTERM");
      }
    },
  );

  it("serves over TLS with --tls-cert/--tls-key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "prch-resolver-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
        ],
        { stdio: "ignore" },
      );
      const c = new Child([
        "--port",
        "0",
        "--tls-cert",
        join(dir, "cert.pem"),
        "--tls-key",
        join(dir, "key.pem"),
      ]);
      children.push(c);
      await c.waitFor((l) => l.includes('"listening"'));
      const address = c.lines[0]!;
      expect(logs(c).find((l) => l.msg === "listening")?.tls).toBe(true);
      const secure = new ResolverClient({
        address,
        referralPolicy: "Share",
        tls: { options: { rejectUnauthorized: false } },
      });
      const plain = new ResolverClient({
        address,
        referralPolicy: "Share",
        connectTimeoutMs: 5000,
      });
      try {
        expect(await secure.resolve(MESH, 3)).toEqual([]);
        // Without the upgrade the service drops the session.
        const err = await plain.resolve(MESH, 3).then(
          () => undefined,
          (e: unknown) => e as { code: string },
        );
        expect(err?.code).toBe("Fault");
      } finally {
        await secure.close();
        await plain.close();
      }
      c.proc.kill("SIGTERM");
      expect(await c.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
