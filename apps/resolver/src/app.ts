import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { parseArgs } from "node:util";
import {
  createRedisStore,
  DEFAULT_RATE_LIMIT,
  MemoryRegistrationStore,
  type RegistrationStore,
  ResolverService,
  type ResolverServiceHostOptions,
} from "@prch/resolver-prcr";

/** Settings of one `prch-resolver` run, from the command line. */
export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** `memory`, or a `redis://` / `rediss://` URL. */
  readonly store: string;
  readonly redisPrefix: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Port of the HTTP counters endpoint on 127.0.0.1; undefined for none. */
  readonly statsPort: number | undefined;
  readonly lifetimeSeconds: number | undefined;
  readonly controlMeshShape: boolean;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** Limits against abuse; unset ones keep the service's defaults. */
  readonly limits: {
    readonly requestsPerSecond?: number;
    readonly burst?: number;
    readonly maxMeshes?: number;
    readonly maxRegistrations?: number;
    readonly maxRegistrationsPerMesh?: number;
    readonly maxSessions?: number;
  };
}

/** Where the app writes and how it ends; the real process in main.ts, something else in tests. */
export interface AppIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export const USAGE = `usage: prch-resolver [--port 8089] [--host 127.0.0.1] [--path /resolver]
                     [--store memory|redis://host:6379] [--redis-prefix prch:resolver:]
                     [--tls-cert cert.pem --tls-key key.pem] [--stats-port N]
                     [--lifetime-seconds 600] [--control-mesh-shape] [--log-level info]
                     [--rate 20] [--burst 40] [--max-meshes 10000] [--max-registrations 100000]
                     [--max-per-mesh 16384] [--max-sessions 1024]

Serves the Peer Channel custom resolver (MC-PRCR) on net.tcp, any path on the port.
The first line of output is the net.tcp address; JSON log lines follow.
--stats-port serves the counters as JSON at http://127.0.0.1:N/stats.
SIGINT/SIGTERM close gracefully.`;

/** Thrown for a bad command line; main.ts prints the message and the usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function port(value: string | undefined, name: string, fallback: number | undefined) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`${name} must be a port number`);
  return n;
}

/** Parses the command line. */
export function parseConfig(argv: readonly string[]): AppConfig {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const level = v["log-level"] ?? "info";
  if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error") {
    throw new UsageError("--log-level must be debug, info, warn or error");
  }
  if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  const store = v.store ?? "memory";
  if (store !== "memory" && !/^rediss?:\/\//.test(store)) {
    throw new UsageError("--store must be memory or a redis:// URL");
  }
  let lifetimeSeconds: number | undefined;
  if (v["lifetime-seconds"] !== undefined) {
    lifetimeSeconds = Number(v["lifetime-seconds"]);
    if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 1) {
      throw new UsageError("--lifetime-seconds must be a positive integer");
    }
  }
  return {
    host: v.host ?? "127.0.0.1",
    port: port(v.port, "--port", 8089) as number,
    path: v.path ?? "/resolver",
    store,
    redisPrefix: v["redis-prefix"],
    tlsCert: v["tls-cert"],
    tlsKey: v["tls-key"],
    statsPort: port(v["stats-port"], "--stats-port", undefined),
    lifetimeSeconds,
    controlMeshShape: v["control-mesh-shape"] ?? false,
    logLevel: level,
    limits: {
      ...positive(v.rate, "--rate", "requestsPerSecond"),
      ...positive(v.burst, "--burst", "burst"),
      ...positive(v["max-meshes"], "--max-meshes", "maxMeshes"),
      ...positive(v["max-registrations"], "--max-registrations", "maxRegistrations"),
      ...positive(v["max-per-mesh"], "--max-per-mesh", "maxRegistrationsPerMesh"),
      ...positive(v["max-sessions"], "--max-sessions", "maxSessions"),
    },
  };
}

function positive<K extends string>(
  value: string | undefined,
  name: string,
  key: K,
): { [P in K]?: number } {
  if (value === undefined) return {};
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) {
    throw new UsageError(`${name} must be a positive integer`);
  }
  return { [key]: n } as { [P in K]?: number };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      path: { type: "string" },
      store: { type: "string" },
      "redis-prefix": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "stats-port": { type: "string" },
      "lifetime-seconds": { type: "string" },
      "control-mesh-shape": { type: "boolean" },
      "log-level": { type: "string" },
      rate: { type: "string" },
      burst: { type: "string" },
      "max-meshes": { type: "string" },
      "max-registrations": { type: "string" },
      "max-per-mesh": { type: "string" },
      "max-sessions": { type: "string" },
    },
  });
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** A running resolver: its service, and how to stop it. */
export interface RunningApp {
  readonly service: ResolverService;
  /** Port of the counters endpoint, if enabled. */
  readonly statsPort: number | undefined;
  /** Graceful stop: close sessions, the store and the counters endpoint. */
  stop(): Promise<void>;
}

/**
 * Starts the resolver: opens the store, listens, prints the address as the first line, then
 * logs JSON lines.
 */
export async function startApp(config: AppConfig, io: AppIo): Promise<RunningApp> {
  const min = LEVELS[config.logLevel];
  const log = (level: keyof typeof LEVELS, msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < min) return;
    io.stdout(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
  };
  let store: RegistrationStore;
  if (config.store === "memory") store = new MemoryRegistrationStore();
  else {
    store = await createRedisStore({
      url: config.store,
      ...(config.redisPrefix !== undefined ? { prefix: config.redisPrefix } : {}),
    });
  }
  const options: ResolverServiceHostOptions = {
    store,
    host: config.host,
    port: config.port,
    path: config.path,
    controlMeshShape: config.controlMeshShape,
    ...(config.limits.requestsPerSecond !== undefined || config.limits.burst !== undefined
      ? {
          rateLimit: {
            requestsPerSecond:
              config.limits.requestsPerSecond ?? DEFAULT_RATE_LIMIT.requestsPerSecond,
            burst: config.limits.burst ?? DEFAULT_RATE_LIMIT.burst,
          },
        }
      : {}),
    quotas: {
      ...(config.limits.maxMeshes !== undefined ? { maxMeshes: config.limits.maxMeshes } : {}),
      ...(config.limits.maxRegistrations !== undefined
        ? { maxRegistrations: config.limits.maxRegistrations }
        : {}),
      ...(config.limits.maxRegistrationsPerMesh !== undefined
        ? { maxRegistrationsPerMesh: config.limits.maxRegistrationsPerMesh }
        : {}),
    },
    ...(config.limits.maxSessions !== undefined ? { maxSessions: config.limits.maxSessions } : {}),
    ...(config.lifetimeSeconds !== undefined
      ? { registrationLifetimeMs: config.lifetimeSeconds * 1000 }
      : {}),
    ...(config.tlsCert !== undefined && config.tlsKey !== undefined
      ? {
          tls: {
            options: { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) },
          },
        }
      : {}),
  };
  const service = new ResolverService(options);
  // Registered before listen() so the address goes out before the "listening" log line.
  let printed = false;
  service.on("log", (e) => {
    if (!printed) return;
    const { level, msg, ...fields } = e;
    log(level, msg, fields);
  });
  try {
    await service.listen();
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  io.stdout(service.address);
  printed = true;
  log("info", "listening", {
    address: service.address,
    store: config.store === "memory" ? "memory" : redactUrl(config.store),
    tls: config.tlsCert !== undefined,
  });

  let stats: Server | undefined;
  let statsPort: number | undefined;
  if (config.statsPort !== undefined) {
    stats = createServer((req, res) => {
      if (req.method !== "GET" || (req.url !== "/stats" && req.url !== "/")) {
        res.writeHead(404).end();
        return;
      }
      service.stats().then(
        (live) => {
          const body = JSON.stringify({ address: service.address, live, ...service.counters() });
          res.writeHead(200, { "content-type": "application/json" }).end(body);
        },
        (e: unknown) => {
          res
            .writeHead(503, { "content-type": "application/json" })
            .end(JSON.stringify({ error: String(e) }));
        },
      );
    });
    const srv = stats;
    statsPort = await new Promise<number>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(config.statsPort, "127.0.0.1", () => {
        const a = srv.address();
        resolve(typeof a === "object" && a !== null ? a.port : 0);
      });
    }).catch(async (e: unknown) => {
      await service.close();
      throw e;
    });
    log("info", "stats endpoint", { url: `http://127.0.0.1:${statsPort}/stats` });
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log("info", "stopping", {});
      if (stats !== undefined) {
        const s = stats;
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await service.close();
      log("info", "stopped", { counters: service.counters() });
    })();
    return stopping;
  };
  return { service, statsPort, stop };
}

/** Hides a password in a Redis URL for logging. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "redis";
  }
}
