import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedisStore,
  EMPTY_GUID,
  type Guid,
  MemoryRegistrationStore,
  type RegistrationStore,
  ResolverError,
  ResolverQuotaError,
  ResolverServiceCore,
} from "../src/index.js";
import { Clock, guid, guidSequence, MINUTE, nodeAddress } from "./support/fixtures.js";
import { findRedisServer, type RedisServer, startRedisServer } from "./support/redis-server.js";

const binary = findRedisServer();

type Cmd =
  | { k: "register"; client: number; path: number; mesh: number }
  | { k: "update"; reg: number; client: number; path: number; mesh: number }
  | { k: "refresh"; reg: number; mesh: number }
  | { k: "unregister"; reg: number; mesh: number }
  | { k: "resolve"; client: number; mesh: number; max: number }
  | { k: "advance"; ms: number }
  | { k: "maintain" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("register" as const),
      client: fc.nat(4),
      path: fc.nat(7),
      mesh: fc.nat(2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("update" as const),
      reg: fc.nat(12),
      client: fc.nat(4),
      path: fc.nat(7),
      mesh: fc.nat(2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("refresh" as const), reg: fc.nat(12), mesh: fc.nat(2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("unregister" as const),
      reg: fc.nat(12),
      mesh: fc.nat(2),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("resolve" as const),
      client: fc.nat(5),
      mesh: fc.nat(2),
      max: fc.nat(8),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("advance" as const),
      ms: fc.integer({ min: 0, max: 6 * MINUTE }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "maintain" as const }) },
);

const MESHES = ["a", "b", "c"];

interface World {
  core: ResolverServiceCore;
  clock: Clock;
  ids: Guid[];
}

/** Apply one command; return a comparable outcome. */
async function step(w: World, c: Cmd): Promise<unknown> {
  const mesh = "mesh" in c ? (MESHES[c.mesh] as string) : "";
  const reg = "reg" in c ? (w.ids[c.reg] ?? guid(0xfff0 + c.reg)) : EMPTY_GUID;
  try {
    switch (c.k) {
      case "register": {
        const r = await w.core.register({
          ClientId: guid(c.client + 1),
          MeshId: mesh,
          NodeAddress: nodeAddress(c.path, `10.0.0.${c.client + 1}`),
        });
        w.ids.push(r.RegistrationId);
        return r;
      }
      case "update": {
        const r = await w.core.update({
          ClientId: guid(c.client + 1),
          MeshId: mesh,
          NodeAddress: nodeAddress(c.path, `10.0.1.${c.client + 1}`),
          RegistrationId: reg,
        });
        if (!w.ids.includes(r.RegistrationId)) w.ids.push(r.RegistrationId);
        return r;
      }
      case "refresh":
        return await w.core.refresh({ MeshId: mesh, RegistrationId: reg });
      case "unregister":
        return await w.core.unregister({ MeshId: mesh, RegistrationId: reg });
      case "resolve": {
        const client = c.client === 5 ? EMPTY_GUID : guid(c.client + 1);
        const r = await w.core.resolve({ ClientId: client, MaxAddresses: c.max, MeshId: mesh });
        // The choice is random: compare how many came back, and (below) the full set.
        const all = await w.core.resolve({ ClientId: client, MaxAddresses: 100, MeshId: mesh });
        const full = all.Addresses.map((a) => a.EndpointAddress).sort();
        for (const a of r.Addresses) expect(full).toContain(a.EndpointAddress);
        return { n: r.Addresses.length, full };
      }
      case "advance":
        w.clock.advance(c.ms);
        return null;
      case "maintain":
        await w.core.maintain();
        return null;
    }
  } catch (e) {
    if (e instanceof ResolverQuotaError) return { error: e.code, quota: e.quota };
    if (e instanceof ResolverError) return { error: e.code };
    throw e;
  }
}

function world(store: RegistrationStore): World {
  const clock = new Clock();
  const core = new ResolverServiceCore({
    store,
    now: clock.now,
    newGuid: guidSequence(),
    quotas: { maxRegistrationsPerMesh: 4, maxMeshes: 2, maxRegistrations: 6 },
  });
  return { core, clock, ids: [] };
}

describe.skipIf(binary === undefined)("memory and Redis stores behave alike", () => {
  let redis: RedisServer;
  const stores: RegistrationStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer(binary as string);
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await redis.stop();
  });

  it("gives the same answers to the same random request sequences", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 20, maxLength: 60 }), async (cmds) => {
        const redisStore = await createRedisStore({
          url: redis.url,
          prefix: `d${++run}:`,
          commandTimeoutMs: 30_000,
        });
        stores.push(redisStore);
        const m = world(new MemoryRegistrationStore());
        const r = world(redisStore);
        for (const c of cmds) {
          expect(await step(r, c)).toEqual(await step(m, c));
          expect(await r.core.stats()).toEqual(await m.core.stats());
        }
        await redisStore.close();
      }),
      { numRuns: Number(process.env.DIFF_RUNS ?? 60) },
    );
  }, 120_000);
});
