import { createHash } from "node:crypto";
import { ResolverError } from "./errors.js";
import { type Guid, isGuid, type PeerNodeAddress } from "./model.js";
import { shuffle } from "./memory-store.js";
import type {
  RegistrationRecord,
  RegistrationStore,
  StoreLimits,
  StoreStats,
  StoreWriteResult,
} from "./store.js";

/**
 * The one thing the Redis store needs from a client: send a raw command. `@redis/client`'s
 * `RedisClient` satisfies it; so can a pool or a test double.
 */
export interface RedisCommander {
  sendCommand<T = unknown>(args: readonly string[]): Promise<T>;
}

/** Options of {@link RedisRegistrationStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key. Default `prch:resolver:`. Several deployments can share one Redis by prefix. */
  readonly prefix?: string;
  /**
   * Extra time a record's keys outlive its expiry, so that Redis deletes abandoned records by
   * itself even when no resolver instance is left to sweep. Default 2 minutes.
   */
  readonly graceMs?: number;
  /** Random source in [0, 1) used to order Resolve results. Default Math.random. */
  readonly random?: () => number;
}

/** Options of {@link createRedisStore}. */
export interface CreateRedisStoreOptions extends RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /**
   * A command not answered within this time fails with StoreFailure, and so does every command
   * while the connection is down (no offline queue): a resolver request must fail, not hang, when
   * Redis is unreachable. The client reconnects by itself. Default 5000 ms.
   */
  readonly commandTimeoutMs?: number;
}

/*
 * Key layout (p = prefix). Several resolver instances share it; every multi-key change is one Lua
 * script, so Redis runs it atomically and the duplicate and quota checks cannot race.
 *
 *   p r:{RegistrationId}  HASH  mesh, client, addr (JSON PeerNodeAddress), sp (ServicePath), exp
 *   p m:{MeshId}          ZSET  RegistrationId scored by expiry: random picks (ZRANDMEMBER), live count (ZCOUNT)
 *   p sp:{MeshId}         HASH  ServicePath -> RegistrationId, for the duplicate check
 *   p regs                ZSET  "{RegistrationId}|{MeshId}" scored by expiry: sweep in O(expired), live total
 *   p meshes              ZSET  MeshId scored by its latest expiry: live mesh count
 *
 * Expiry is logical: `exp` is on the resolver's clock and every read ignores records with
 * exp <= now, so tests can drive time. The per-record keys also carry a PEXPIRE of
 * (exp - now + grace) so Redis frees them on its own. Scripts build key names from the prefix,
 * so the layout needs a single Redis node (or a prefix with a {hash tag} on a cluster).
 */

const DROP = `
local function drop(p, rid, mesh)
  local rk = p .. "r:" .. rid
  local sp = redis.call("HGET", rk, "sp")
  local spk = p .. "sp:" .. mesh
  if sp and redis.call("HGET", spk, sp) == rid then redis.call("HDEL", spk, sp) end
  redis.call("DEL", rk)
  local mk = p .. "m:" .. mesh
  redis.call("ZREM", mk, rid)
  redis.call("ZREM", p .. "regs", rid .. "|" .. mesh)
  local top = redis.call("ZRANGE", mk, -1, -1, "WITHSCORES")
  if #top == 0 then
    redis.call("ZREM", p .. "meshes", mesh)
    redis.call("DEL", mk, spk)
  else
    -- The mesh lives as long as its latest record: lower its score if that was the one dropped.
    redis.call("ZADD", p .. "meshes", top[2], mesh)
  end
end
local function touch(p, rid, mesh, exp, ttl)
  local mk = p .. "m:" .. mesh
  local spk = p .. "sp:" .. mesh
  redis.call("PEXPIRE", p .. "r:" .. rid, ttl)
  redis.call("ZADD", mk, exp, rid)
  redis.call("ZADD", p .. "regs", exp, rid .. "|" .. mesh)
  redis.call("ZADD", p .. "meshes", "GT", exp, mesh)
  if redis.call("PTTL", mk) < ttl then redis.call("PEXPIRE", mk, ttl) end
  if redis.call("PTTL", spk) < ttl then redis.call("PEXPIRE", spk, ttl) end
end
-- The live registration holding ServicePath sp in the mesh, or nil; a stale holder is dropped.
local function holder(p, mesh, sp, now)
  local h = redis.call("HGET", p .. "sp:" .. mesh, sp)
  if not h then return nil end
  local e = redis.call("ZSCORE", p .. "m:" .. mesh, h)
  if e and tonumber(e) > now and redis.call("EXISTS", p .. "r:" .. h) == 1 then return h end
  drop(p, h, mesh)
  redis.call("HDEL", p .. "sp:" .. mesh, sp)
  return nil
end
`;

// ARGV: prefix mesh rid client addr sp exp now ttl maxMeshes maxPerMesh maxTotal
const INSERT = `${DROP}
local p, mesh, rid, client, addr, sp = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local exp, now, ttl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local rk = p .. "r:" .. rid
if redis.call("EXISTS", rk) == 1 then return {"id-in-use"} end
local h = holder(p, mesh, sp, now)
if h then return {"duplicate", h} end
local lo = "(" .. ARGV[8]
if redis.call("ZCOUNT", p .. "m:" .. mesh, lo, "+inf") >= tonumber(ARGV[11]) then
  return {"quota", "maxRegistrationsPerMesh"}
end
if redis.call("ZCOUNT", p .. "regs", lo, "+inf") >= tonumber(ARGV[12]) then
  return {"quota", "maxRegistrations"}
end
local ms = redis.call("ZSCORE", p .. "meshes", mesh)
if (not ms or tonumber(ms) <= now) and redis.call("ZCOUNT", p .. "meshes", lo, "+inf") >= tonumber(ARGV[10]) then
  return {"quota", "maxMeshes"}
end
redis.call("HSET", rk, "mesh", mesh, "client", client, "addr", addr, "sp", sp, "exp", ARGV[7])
redis.call("HSET", p .. "sp:" .. mesh, sp, rid)
touch(p, rid, mesh, exp, ttl)
return {"ok"}
`;

// ARGV: prefix mesh rid addr sp exp now ttl
const UPDATE = `${DROP}
local p, mesh, rid, addr, sp = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local exp, now, ttl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local rk = p .. "r:" .. rid
local r = redis.call("HMGET", rk, "mesh", "exp", "sp")
if not r[1] or r[1] ~= mesh or tonumber(r[2]) <= now then return {"not-found"} end
if r[3] ~= sp then
  local h = holder(p, mesh, sp, now)
  if h and h ~= rid then return {"duplicate", h} end
  local spk = p .. "sp:" .. mesh
  if r[3] and redis.call("HGET", spk, r[3]) == rid then redis.call("HDEL", spk, r[3]) end
  redis.call("HSET", spk, sp, rid)
end
redis.call("HSET", rk, "addr", addr, "sp", sp, "exp", ARGV[6])
touch(p, rid, mesh, exp, ttl)
return {"ok"}
`;

// ARGV: prefix mesh rid exp now ttl
const REFRESH = `${DROP}
local p, mesh, rid = ARGV[1], ARGV[2], ARGV[3]
local exp, now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local rk = p .. "r:" .. rid
local r = redis.call("HMGET", rk, "mesh", "exp")
if not r[1] or r[1] ~= mesh or tonumber(r[2]) <= now then return 0 end
redis.call("HSET", rk, "exp", ARGV[4])
touch(p, rid, mesh, exp, ttl)
return 1
`;

// ARGV: prefix mesh rid now
const REMOVE = `${DROP}
local p, mesh, rid = ARGV[1], ARGV[2], ARGV[3]
local r = redis.call("HMGET", p .. "r:" .. rid, "mesh", "exp")
if not r[1] or r[1] ~= mesh then return 0 end
drop(p, rid, mesh)
if tonumber(r[2]) > tonumber(ARGV[4]) then return 1 end
return 0
`;

// ARGV: prefix mesh want exclude now. Returns up to `want` addr JSON strings.
const SAMPLE = `${DROP}
local p, mesh, want, exclude = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now = tonumber(ARGV[5])
local mk = p .. "m:" .. mesh
local lo = "(" .. ARGV[5]
local members
if redis.call("ZCOUNT", mk, lo, "+inf") <= want then
  members = redis.call("ZRANGEBYSCORE", mk, lo, "+inf")
else
  -- Lazy cleanup: drop a bounded number of expired members so random picks land on live ones.
  for _, rid in ipairs(redis.call("ZRANGEBYSCORE", mk, "-inf", now, "LIMIT", 0, 64)) do
    drop(p, rid, mesh)
  end
  members = redis.call("ZRANDMEMBER", mk, want)
end
local out = {}
for _, rid in ipairs(members) do
  local r = redis.call("HMGET", p .. "r:" .. rid, "client", "addr", "exp")
  if r[2] and tonumber(r[3]) > now and r[1] ~= exclude then out[#out + 1] = r[2] end
end
return out
`;

// ARGV: prefix now limit. Returns the number of records removed.
const SWEEP = `${DROP}
local p, now, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local stale = redis.call("ZRANGEBYSCORE", p .. "regs", "-inf", now, "LIMIT", 0, limit)
for _, m in ipairs(stale) do drop(p, string.sub(m, 1, 36), string.sub(m, 38)) end
for _, mesh in ipairs(redis.call("ZRANGEBYSCORE", p .. "meshes", "-inf", now, "LIMIT", 0, limit)) do
  if redis.call("ZCARD", p .. "m:" .. mesh) == 0 then
    redis.call("ZREM", p .. "meshes", mesh)
    redis.call("DEL", p .. "sp:" .. mesh)
  end
end
return #stale
`;

class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }
}

const SCRIPTS = {
  insert: new Script(INSERT),
  update: new Script(UPDATE),
  refresh: new Script(REFRESH),
  remove: new Script(REMOVE),
  sample: new Script(SAMPLE),
  sweep: new Script(SWEEP),
};

/** Records removed per sweep script call, so one call never blocks Redis for long. */
const SWEEP_BATCH = 500;
/** Bound on sweep batches per {@link RedisRegistrationStore.sweep}; the next maintenance run continues. */
const SWEEP_MAX_BATCHES = 200;
/** Extra candidates fetched beyond `max` so that excluding the caller's own records still leaves `max`. */
const SAMPLE_SLACK = 8;

/**
 * A registration store in Redis, so that several resolver instances serve one deployment: any
 * instance answers for registrations made through any other. Requires Redis 6.2 or later
 * (ZRANDMEMBER, ZADD GT).
 */
export class RedisRegistrationStore implements RegistrationStore {
  readonly #redis: RedisCommander;
  readonly #prefix: string;
  readonly #graceMs: number;
  readonly #random: () => number;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closed = false;

  /**
   * Wrap a connected client. `onClose` runs on {@link RedisRegistrationStore.close} (e.g. to
   * disconnect a client the store owns).
   */
  constructor(
    redis: RedisCommander,
    options: RedisStoreOptions = {},
    onClose?: () => Promise<void>,
  ) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? "prch:resolver:";
    this.#graceMs = options.graceMs ?? 120_000;
    this.#random = options.random ?? Math.random;
    this.#onClose = onClose;
  }

  async insert(
    record: RegistrationRecord,
    limits: StoreLimits,
    now: number,
  ): Promise<StoreWriteResult> {
    const reply = await this.#run(SCRIPTS.insert, [
      record.MeshId,
      record.RegistrationId,
      record.ClientId,
      JSON.stringify(record.NodeAddress),
      record.ServicePath,
      String(record.expiresAt),
      String(now),
      String(this.#ttl(record.expiresAt, now)),
      String(limits.maxMeshes),
      String(limits.maxRegistrationsPerMesh),
      String(limits.maxRegistrations),
    ]);
    return writeResult(reply);
  }

  async update(
    MeshId: string,
    RegistrationId: Guid,
    NodeAddress: PeerNodeAddress,
    ServicePath: string,
    expiresAt: number,
    now: number,
  ): Promise<StoreWriteResult> {
    const reply = await this.#run(SCRIPTS.update, [
      MeshId,
      RegistrationId,
      JSON.stringify(NodeAddress),
      ServicePath,
      String(expiresAt),
      String(now),
      String(this.#ttl(expiresAt, now)),
    ]);
    return writeResult(reply);
  }

  async refresh(
    MeshId: string,
    RegistrationId: Guid,
    expiresAt: number,
    now: number,
  ): Promise<boolean> {
    const reply = await this.#run(SCRIPTS.refresh, [
      MeshId,
      RegistrationId,
      String(expiresAt),
      String(now),
      String(this.#ttl(expiresAt, now)),
    ]);
    return reply === 1;
  }

  async remove(MeshId: string, RegistrationId: Guid, now: number): Promise<boolean> {
    const reply = await this.#run(SCRIPTS.remove, [MeshId, RegistrationId, String(now)]);
    return reply === 1;
  }

  async get(
    MeshId: string,
    RegistrationId: Guid,
    now: number,
  ): Promise<RegistrationRecord | undefined> {
    const r = await this.#call<unknown>([
      "HMGET",
      `${this.#prefix}r:${RegistrationId}`,
      "mesh",
      "client",
      "addr",
      "sp",
      "exp",
    ]);
    if (!Array.isArray(r)) throw badReply("HMGET");
    const [mesh, client, addr, sp, exp] = r as unknown[];
    if (mesh !== MeshId || typeof exp !== "string" || Number(exp) <= now) return undefined;
    if (!isGuid(client) || typeof addr !== "string" || typeof sp !== "string") {
      throw badReply("HMGET");
    }
    return {
      MeshId,
      RegistrationId,
      ClientId: client,
      NodeAddress: parseAddress(addr),
      ServicePath: sp,
      expiresAt: Number(exp),
    };
  }

  async sample(
    MeshId: string,
    max: number,
    excludeClientId: Guid | undefined,
    now: number,
  ): Promise<PeerNodeAddress[]> {
    if (max <= 0) return [];
    const reply = await this.#run(SCRIPTS.sample, [
      MeshId,
      String(max + SAMPLE_SLACK),
      excludeClientId ?? "",
      String(now),
    ]);
    if (!Array.isArray(reply)) throw badReply("sample");
    const addresses = reply.map((a: unknown) => {
      if (typeof a !== "string") throw badReply("sample");
      return parseAddress(a);
    });
    // ZRANGEBYSCORE returns expiry order and ZRANDMEMBER a set; shuffle so that the cut to `max` is fair.
    shuffle(addresses, this.#random, max);
    addresses.length = Math.min(addresses.length, max);
    return addresses;
  }

  async sweep(now: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
      const n = await this.#run(SCRIPTS.sweep, [String(now), String(SWEEP_BATCH)]);
      if (typeof n !== "number") throw badReply("sweep");
      total += n;
      if (n < SWEEP_BATCH) break;
    }
    return total;
  }

  async stats(now: number): Promise<StoreStats> {
    const lo = `(${now}`;
    const [regs, meshes] = await Promise.all([
      this.#call<unknown>(["ZCOUNT", `${this.#prefix}regs`, lo, "+inf"]),
      this.#call<unknown>(["ZCOUNT", `${this.#prefix}meshes`, lo, "+inf"]),
    ]);
    if (typeof regs !== "number" || typeof meshes !== "number") throw badReply("ZCOUNT");
    return { meshes, registrations: regs };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#onClose?.();
  }

  #ttl(expiresAt: number, now: number): number {
    return Math.max(1, Math.ceil(expiresAt - now + this.#graceMs));
  }

  async #run(script: Script, args: readonly string[]): Promise<unknown> {
    const argv = [this.#prefix, ...args];
    try {
      return await this.#call<unknown>(["EVALSHA", script.sha, "0", ...argv], true);
    } catch (e) {
      // First use on this server (or after SCRIPT FLUSH): send the source, which also caches it.
      if (e instanceof Error && e.message.startsWith("NOSCRIPT")) {
        return await this.#call<unknown>(["EVAL", script.source, "0", ...argv]);
      }
      throw wrap(e);
    }
  }

  async #call<T>(args: readonly string[], raw = false): Promise<T> {
    if (this.#closed) throw new ResolverError("Closed", "registration store is closed");
    try {
      return await this.#redis.sendCommand<T>(args);
    } catch (e) {
      throw raw ? e : wrap(e);
    }
  }
}

/**
 * Connect to Redis at `url` and return a store that owns the connection (closing the store
 * disconnects it).
 */
export async function createRedisStore(
  options: CreateRedisStoreOptions,
): Promise<RedisRegistrationStore> {
  // Loaded on demand so that users of the memory store never load the Redis client.
  const { createClient } = await import("@redis/client");
  const timeout = options.commandTimeoutMs ?? 5000;
  let connected = false;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout },
    socket: {
      connectTimeout: timeout,
      // The first connect fails at once (the caller learns of a wrong URL); once up, reconnect
      // forever with a capped backoff.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(50 * 2 ** Math.min(retries, 10), 2000) : cause,
    },
  });
  // Without a listener node-redis rethrows connection errors as unhandled 'error' events; the
  // store reports failures through the rejected command instead.
  client.on("error", () => {});
  try {
    await client.connect();
    connected = true;
  } catch (e) {
    client.destroy();
    throw new ResolverError("StoreFailure", `cannot connect to Redis at ${redact(options.url)}`, {
      cause: e,
    });
  }
  const commander: RedisCommander = {
    sendCommand: <T>(args: readonly string[]) => client.sendCommand<T>(args),
  };
  return new RedisRegistrationStore(commander, options, async () => {
    client.destroy();
  });
}

function writeResult(reply: unknown): StoreWriteResult {
  if (!Array.isArray(reply)) throw badReply("write");
  const [kind, extra] = reply as unknown[];
  switch (kind) {
    case "ok":
      return { ok: true };
    case "not-found":
      return { ok: false, reason: "not-found" };
    case "id-in-use":
      return { ok: false, reason: "id-in-use" };
    case "duplicate":
      if (typeof extra === "string") return { ok: false, reason: "duplicate", holder: extra };
      break;
    case "quota":
      if (
        extra === "maxMeshes" ||
        extra === "maxRegistrationsPerMesh" ||
        extra === "maxRegistrations"
      ) {
        return { ok: false, reason: "quota", quota: extra };
      }
      break;
  }
  throw badReply("write");
}

function parseAddress(json: string): PeerNodeAddress {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new ResolverError("StoreFailure", "corrupt address in Redis", { cause: e });
  }
  if (
    typeof v === "object" &&
    v !== null &&
    typeof (v as PeerNodeAddress).EndpointAddress === "string" &&
    Array.isArray((v as PeerNodeAddress).IPAddresses) &&
    (v as PeerNodeAddress).IPAddresses.every((ip) => typeof ip === "string")
  ) {
    const a = v as PeerNodeAddress;
    return { EndpointAddress: a.EndpointAddress, IPAddresses: [...a.IPAddresses] };
  }
  throw new ResolverError("StoreFailure", "corrupt address in Redis");
}

function badReply(what: string): ResolverError {
  return new ResolverError("StoreFailure", `unexpected reply from Redis (${what})`);
}

function wrap(e: unknown): ResolverError {
  if (e instanceof ResolverError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ResolverError("StoreFailure", `Redis: ${msg}`, { cause: e });
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
