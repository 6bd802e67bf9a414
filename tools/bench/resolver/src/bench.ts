import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import {
  type BenchCase,
  type BenchOptions,
  type BenchReport,
  quantile,
  renderTable,
  runBench,
} from "@prch/bench";
import {
  createRedisStore,
  MemoryRegistrationStore,
  messageToResponse,
  type PeerNodeAddress,
  type RegistrationStore,
  type ResolverRequest,
  ResolverService,
  requestToMessage,
} from "@prch/resolver-prcr";
import { connectNetTcp, MessageChannel } from "@prch/transport-node";

/** Options of {@link runResolverBench}. */
export interface ResolverBenchOptions {
  /** Registrations loaded into the resolved mesh before measuring. Default 10 000. */
  readonly registrations?: number;
  /** Connections from the load generator. Default 4. */
  readonly connections?: number;
  /** Requests in flight on each connection. Default 8 (the service's per-connection limit). */
  readonly depth?: number;
  /** Sequential requests (one in flight) timed for the unloaded latency. Default 1000. */
  readonly latencyOps?: number;
  /** A Redis URL to use; default: start a throw-away `redis-server` on a free port, if installed. */
  readonly redisUrl?: string;
  /** Harness settings (warm-up, samples, JSON path, printer). */
  readonly harness?: Partial<BenchOptions>;
  /** Where the latency figures go as JSON. Default `bench-results/resolver-latency.json`. */
  readonly latencyJsonPath?: string;
}

/** Latency of one case, in milliseconds. */
export interface LatencyResult {
  readonly store: string;
  readonly op: "Register" | "Resolve";
  /** Under load (every request of the measured throughput runs). */
  readonly loaded: { readonly p50: number; readonly p99: number; readonly samples: number };
  /** One request at a time. */
  readonly unloaded: { readonly p50: number; readonly p99: number; readonly samples: number };
}

/** The throughput report of the harness and the latency table. */
export interface ResolverBenchReport {
  readonly throughput: BenchReport;
  readonly latency: readonly LatencyResult[];
  /** Stores that could not run (e.g. Redis without redis-server), with the reason. */
  readonly skipped: readonly { store: string; reason: string }[];
}

const MESH = "bench.resolve";

function address(n: number): PeerNodeAddress {
  const a = (n >> 16) & 255;
  const b = (n >> 8) & 255;
  const c = n & 255;
  return {
    EndpointAddress: `net.tcp://10.${a}.${b}.${c}:31337/PeerChannelEndpoints/${randomUUID()}`,
    IPAddresses: [`10.${a}.${b}.${c}`, `fe80::${(n & 0xffff).toString(16)}%2`],
  };
}

/** The load generator: raw request/reply over a few net.tcp sessions. */
class Load {
  readonly loadedMs: number[] = [];
  record = true;
  #next = 0;

  constructor(readonly channels: MessageChannel[]) {}

  static async open(url: string, n: number): Promise<Load> {
    const channels: MessageChannel[] = [];
    for (let i = 0; i < n; i++) {
      const conn = await connectNetTcp({ endpointAddress: url, ipAddresses: ["127.0.0.1"] });
      const ch = new MessageChannel(conn);
      conn.resumeReading();
      channels.push(ch);
    }
    return new Load(channels);
  }

  /** One request; resolves with its latency in ms, rejects on a fault. */
  async call(request: ResolverRequest, ch?: MessageChannel): Promise<number> {
    const channel = ch ?? this.channels[this.#next++ % this.channels.length]!;
    const m = requestToMessage(request, { messageId: `urn:uuid:${randomUUID()}` });
    const t0 = process.hrtime.bigint();
    const reply = await channel.request(m, 30_000);
    messageToResponse(request.operation, reply);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (this.record) this.loadedMs.push(ms);
    return ms;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.channels.map((c) => c.end()));
  }
}

function p(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50: s.length === 0 ? 0 : quantile(s, 0.5),
    p99: s.length === 0 ? 0 : quantile(s, 0.99),
    samples: s.length,
  };
}

function which(binary: string): string | undefined {
  for (const d of [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"]) {
    if (d !== "" && existsSync(join(d, binary))) return join(d, binary);
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once("error", () => done(false));
    sock.once("data", (d) => done(d.toString("latin1").startsWith("+PONG")));
    sock.once("connect", () => sock.write("PING\r\n"));
  });
}

async function startRedis(): Promise<{ url: string; stop: () => void } | string> {
  const bin = which("redis-server");
  if (bin === undefined) return "redis-server is not installed";
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    if (await redisPing(port)) {
      return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  return "redis-server did not start";
}

interface Prepared {
  readonly store: string;
  readonly service: ResolverService;
  readonly load: Load;
}

async function prepare(
  store: string,
  backing: RegistrationStore,
  o: Required<Pick<ResolverBenchOptions, "registrations" | "connections">>,
): Promise<Prepared> {
  const service = new ResolverService({
    store: backing,
    host: "127.0.0.1",
    port: 0,
    // The benchmark floods on purpose: lift the abuse limits.
    rateLimit: { requestsPerSecond: 1e9, burst: 1e9 },
    quotas: {
      maxRegistrations: 10_000_000,
      maxRegistrationsPerMesh: 10_000_000,
    },
  });
  await service.listen();
  // Preload in parallel batches straight into the core: the measured part is the wire.
  const batch = 500;
  for (let i = 0; i < o.registrations; i += batch) {
    const jobs: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + batch, o.registrations); j++) {
      jobs.push(
        service.core.register({ ClientId: randomUUID(), MeshId: MESH, NodeAddress: address(j) }),
      );
    }
    await Promise.all(jobs);
  }
  const load = await Load.open(service.address, o.connections);
  return { store, service, load };
}

/**
 * Register and Resolve against a {@link ResolverService} on 127.0.0.1 with `registrations`
 * records in the resolved mesh, for the memory store and Redis side by side in one run: ops/s
 * through the harness (with `connections × depth` requests in flight), p50/p99 latency under
 * that load and one request at a time.
 */
export async function runResolverBench(
  options: ResolverBenchOptions = {},
): Promise<ResolverBenchReport> {
  const registrations = options.registrations ?? 10_000;
  const connections = options.connections ?? 4;
  const depth = options.depth ?? 8;
  const latencyOps = options.latencyOps ?? 1000;
  const skipped: { store: string; reason: string }[] = [];
  const prepared: Prepared[] = [];
  let redis: { url: string; stop: () => void } | undefined;
  try {
    prepared.push(
      await prepare("memory", new MemoryRegistrationStore(), { registrations, connections }),
    );
    let url = options.redisUrl;
    if (url === undefined) {
      const r = await startRedis();
      if (typeof r === "string") skipped.push({ store: "redis", reason: r });
      else {
        redis = r;
        url = r.url;
      }
    }
    if (url !== undefined) {
      const store = await createRedisStore({ url, prefix: `prch:bench:${randomUUID()}:` });
      prepared.push(await prepare("redis", store, { registrations, connections }));
    }

    const inFlight = connections * depth;
    let n = registrations;
    const registerCase = (x: Prepared): BenchCase => ({
      name: `Register (${x.store})`,
      opsPerRun: inFlight,
      run: () =>
        Promise.all(
          Array.from({ length: inFlight }, () =>
            x.load.call({
              operation: "Register",
              body: { ClientId: randomUUID(), MeshId: "bench.register", NodeAddress: address(n++) },
            }),
          ),
        ),
    });
    const resolveCase = (x: Prepared): BenchCase => ({
      name: `Resolve (${x.store})`,
      opsPerRun: inFlight,
      run: () =>
        Promise.all(
          Array.from({ length: inFlight }, () =>
            x.load.call({
              operation: "Resolve",
              body: { ClientId: randomUUID(), MaxAddresses: 3, MeshId: MESH },
            }),
          ),
        ),
    });

    // Latencies of each case are collected separately: reset the recorder between cases.
    const loaded = new Map<string, number[]>();
    const tracked = (c: BenchCase, x: Prepared): BenchCase => ({
      ...c,
      run: () => {
        const before = x.load.loadedMs.length;
        const r = c.run() as Promise<unknown>;
        return r.then(() => {
          const list = loaded.get(c.name) ?? [];
          list.push(...x.load.loadedMs.slice(before));
          x.load.loadedMs.length = 0;
          loaded.set(c.name, list);
        });
      },
    });

    const throughput = await runBench(
      "resolver",
      [
        {
          title: `Register, ${inFlight} in flight over ${connections} connections`,
          cases: prepared.map((x) => tracked(registerCase(x), x)),
          reference: "Register (memory)",
        },
        {
          title: `Resolve (MaxAddresses 3) in a mesh of ${registrations}`,
          cases: prepared.map((x) => tracked(resolveCase(x), x)),
          reference: "Resolve (memory)",
        },
      ],
      options.harness,
    );

    const latency: LatencyResult[] = [];
    for (const x of prepared) {
      x.load.record = false;
      const ch = x.load.channels[0]!;
      for (const op of ["Register", "Resolve"] as const) {
        const seq: number[] = [];
        for (let i = 0; i < latencyOps; i++) {
          seq.push(
            await x.load.call(
              op === "Register"
                ? {
                    operation: "Register",
                    body: {
                      ClientId: randomUUID(),
                      MeshId: "bench.register",
                      NodeAddress: address(n++),
                    },
                  }
                : {
                    operation: "Resolve",
                    body: { ClientId: randomUUID(), MaxAddresses: 3, MeshId: MESH },
                  },
              ch,
            ),
          );
        }
        latency.push({
          store: x.store,
          op,
          loaded: p(loaded.get(`${op} (${x.store})`) ?? []),
          unloaded: p(seq),
        });
      }
    }
    const print = options.harness?.print ?? console.log;
    print(
      renderTable(
        ["store", "op", "p50 loaded", "p99 loaded", "p50 alone", "p99 alone"],
        latency.map((l) => [
          l.store,
          l.op,
          `${l.loaded.p50.toFixed(2)} ms`,
          `${l.loaded.p99.toFixed(2)} ms`,
          `${l.unloaded.p50.toFixed(2)} ms`,
          `${l.unloaded.p99.toFixed(2)} ms`,
        ]),
      ),
    );
    for (const s of skipped) print(`skipped ${s.store}: ${s.reason}`);
    const path = resolve(options.latencyJsonPath ?? "bench-results/resolver-latency.json");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      `${JSON.stringify({ registrations, connections, depth, latency, skipped }, null, 2)}\n`,
    );
    return { throughput, latency, skipped };
  } finally {
    for (const x of prepared) {
      await x.load.close();
      await x.service.close();
    }
    redis?.stop();
  }
}
