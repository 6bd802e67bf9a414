import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedisStore,
  EMPTY_GUID,
  MemoryRegistrationStore,
  type PeerNodeAddress,
  type RegistrationStore,
  ResolverError,
  ResolverQuotaError,
  type ResolverServiceOptions,
  ResolverServiceCore,
} from "../src/index.js";
import {
  Clock,
  guid,
  guidSequence,
  MINUTE,
  nodeAddress,
  registerBody,
} from "./support/fixtures.js";
import {
  findRedisServer,
  type RedisServer,
  requireInterop,
  startRedisServer,
} from "./support/redis-server.js";

/** A backend makes stores; `second` opens another handle onto the same data (another instance). */
interface Backend {
  readonly name: string;
  readonly available: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(): Promise<{ store: RegistrationStore; second(): Promise<RegistrationStore> }>;
}

const redisBinary = findRedisServer();
let redis: RedisServer | undefined;
const opened: RegistrationStore[] = [];
let prefixCounter = 0;

const backends: Backend[] = [
  {
    name: "memory",
    available: true,
    setup: async () => {},
    teardown: async () => {},
    fresh: async () => {
      const store = new MemoryRegistrationStore();
      // Two resolver instances in one process can share one memory store.
      return { store, second: async () => store };
    },
  },
  {
    name: "redis",
    available: redisBinary !== undefined,
    setup: async () => {
      redis = await startRedisServer(redisBinary as string);
    },
    teardown: async () => {
      for (const s of opened.splice(0)) await s.close();
      await redis?.stop();
    },
    fresh: async () => {
      const url = (redis as RedisServer).url;
      // A prefix per test keeps tests apart on the one server.
      const prefix = `t${++prefixCounter}:`;
      const store = await createRedisStore({ url, prefix, commandTimeoutMs: 30_000 });
      opened.push(store);
      return {
        store,
        second: async () => {
          const s = await createRedisStore({ url, prefix, commandTimeoutMs: 30_000 });
          opened.push(s);
          return s;
        },
      };
    },
  },
];

it("redis-server is installed, or the Redis suite may be skipped", () => {
  // scripts/test.sh and CI set PRCH_REQUIRE_INTEROP=1 and install redis-server.
  if (requireInterop) expect(redisBinary).toBeDefined();
});

async function rejects(p: Promise<unknown>, code: string): Promise<ResolverError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ResolverError);
  expect((e as ResolverError).code).toBe(code);
  return e as ResolverError;
}

function paths(addresses: readonly PeerNodeAddress[]): string[] {
  return addresses.map((a) => a.EndpointAddress).sort();
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(`resolver service on the ${backend.name} store`, () => {
    beforeAll(() => backend.setup());
    afterAll(() => backend.teardown());

    async function service(options: Omit<ResolverServiceOptions, "store" | "now"> = {}) {
      const clock = new Clock();
      const { store, second } = await backend.fresh();
      const core = new ResolverServiceCore({
        store,
        now: clock.now,
        newGuid: guidSequence(),
        ...options,
      });
      return { core, clock, store, second };
    }

    it("registers with a fresh id and the 10-minute default lifetime", async () => {
      const { core } = await service();
      const r = await core.register(registerBody(1));
      expect(r.RegistrationId).toBe(guid(0x1000));
      expect(r.RegistrationLifetime).toBe(6_000_000_000n); // 10 min in 100-ns ticks
      const r2 = await core.register(registerBody(2));
      expect(r2.RegistrationId).not.toBe(r.RegistrationId);
      expect(await core.stats()).toEqual({ meshes: 1, registrations: 2 });
    });

    it("resolves registered addresses, never the caller's own", async () => {
      const { core } = await service();
      for (let n = 1; n <= 4; n++) await core.register(registerBody(n));
      const mine = await core.resolve({
        ClientId: guid(1),
        MaxAddresses: 10,
        MeshId: "mesh.example",
      });
      expect(paths(mine.Addresses)).toEqual(paths([2, 3, 4].map((n) => nodeAddress(n))));
      // The IP list comes back as registered.
      expect(mine.Addresses.find((a) => a.EndpointAddress.endsWith(guid(2)))?.IPAddresses).toEqual([
        "10.0.0.1",
        "fe80::1%4",
      ]);
      // An absent ClientId (the empty GUID) excludes nobody.
      const anon = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 10,
        MeshId: "mesh.example",
      });
      expect(anon.Addresses).toHaveLength(4);
      // Meshes are separate (MC-PRCR §1.3.1.1).
      await core.register(registerBody(9, "other"));
      const other = await core.resolve({ ClientId: EMPTY_GUID, MaxAddresses: 10, MeshId: "other" });
      expect(paths(other.Addresses)).toEqual([nodeAddress(9).EndpointAddress]);
      const none = await core.resolve({ ClientId: EMPTY_GUID, MaxAddresses: 10, MeshId: "nobody" });
      expect(none.Addresses).toEqual([]);
    });

    it("returns at most MaxAddresses distinct entries, chosen at random", async () => {
      const { core } = await service({ quotas: { maxResolveAddresses: 7 } });
      for (let n = 1; n <= 20; n++) await core.register(registerBody(n));
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const r = await core.resolve({
          ClientId: guid(1),
          MaxAddresses: 3,
          MeshId: "mesh.example",
        });
        expect(r.Addresses).toHaveLength(3);
        const p = paths(r.Addresses);
        expect(new Set(p).size).toBe(3);
        expect(p).not.toContain(nodeAddress(1).EndpointAddress);
        for (const x of p) seen.add(x);
      }
      // 19 candidates, 3 per draw, 200 draws: each is missed with probability < 1e-13.
      expect(seen.size).toBe(19);
      const zero = await core.resolve({
        ClientId: guid(1),
        MaxAddresses: 0,
        MeshId: "mesh.example",
      });
      expect(zero.Addresses).toEqual([]);
      const clamped = await core.resolve({
        ClientId: guid(1),
        MaxAddresses: 1000,
        MeshId: "mesh.example",
      });
      expect(clamped.Addresses).toHaveLength(7);
      await rejects(
        core.resolve({ ClientId: guid(1), MaxAddresses: -1, MeshId: "mesh.example" }),
        "InvalidRequest",
      );
    });

    it("expires registrations after their lifetime; maintenance removes them", async () => {
      const { core, clock } = await service();
      const a = await core.register(registerBody(1));
      clock.advance(5 * MINUTE);
      await core.register(registerBody(2));
      clock.advance(5 * MINUTE); // the first is exactly 10 minutes old: expired
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 10,
        MeshId: "mesh.example",
      });
      expect(paths(r.Addresses)).toEqual([nodeAddress(2).EndpointAddress]);
      const refreshed = await core.refresh({
        MeshId: "mesh.example",
        RegistrationId: a.RegistrationId,
      });
      expect(refreshed).toEqual({ Result: "RegistrationNotFound", RegistrationLifetime: 0n });
      expect(await core.stats()).toEqual({ meshes: 1, registrations: 1 });
      expect(await core.maintain()).toBe(1);
      clock.advance(5 * MINUTE);
      expect(await core.maintain()).toBe(1);
      expect(await core.stats()).toEqual({ meshes: 0, registrations: 0 });
      expect(await core.maintain()).toBe(0);
      expect(core.counters().expired).toBe(2);
      expect(core.counters().refreshNotFound).toBe(1);
    });

    it("Refresh restarts the lifetime", async () => {
      const { core, clock } = await service();
      const a = await core.register(registerBody(1));
      clock.advance(9 * MINUTE);
      const ok = await core.refresh({ MeshId: "mesh.example", RegistrationId: a.RegistrationId });
      expect(ok).toEqual({ Result: "Success", RegistrationLifetime: 6_000_000_000n });
      clock.advance(9 * MINUTE);
      expect(await core.maintain()).toBe(0);
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 3,
        MeshId: "mesh.example",
      });
      expect(r.Addresses).toHaveLength(1);
      // Refresh names the mesh too: the id in another mesh is not found.
      const wrong = await core.refresh({ MeshId: "other", RegistrationId: a.RegistrationId });
      expect(wrong.Result).toBe("RegistrationNotFound");
      clock.advance(1 * MINUTE);
      expect(await core.maintain()).toBe(1);
    });

    it("Update replaces the address and restarts the lifetime", async () => {
      const { core, clock } = await service();
      const a = await core.register(registerBody(1));
      clock.advance(8 * MINUTE);
      const moved = nodeAddress(1, "10.9.9.9", 4000);
      const u = await core.update({
        ClientId: guid(1),
        MeshId: "mesh.example",
        NodeAddress: moved,
        RegistrationId: a.RegistrationId,
      });
      expect(u).toEqual({ RegistrationId: a.RegistrationId, RegistrationLifetime: 6_000_000_000n });
      clock.advance(8 * MINUTE);
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 3,
        MeshId: "mesh.example",
      });
      expect(r.Addresses).toEqual([moved]);
    });

    it("Update of an unknown registration registers anew with a new id (MC-PRCR <2>)", async () => {
      const { core } = await service();
      const u = await core.update({
        ClientId: guid(1),
        MeshId: "mesh.example",
        NodeAddress: nodeAddress(1),
        RegistrationId: guid(0xdead),
      });
      expect(u.RegistrationId).not.toBe(guid(0xdead));
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 3,
        MeshId: "mesh.example",
      });
      expect(r.Addresses).toEqual([nodeAddress(1)]);
      expect(core.counters().registered).toBe(1);
    });

    it("refuses a duplicate ServicePath in a mesh, as Windows does", async () => {
      const { core, clock } = await service();
      const first = await core.register(registerBody(1));
      // Same path, other host, port and case: Windows compares the upper-cased PathAndQuery only.
      const same = nodeAddress(1, "10.0.0.2", 9999);
      const clash = {
        ClientId: guid(2),
        MeshId: "mesh.example",
        NodeAddress: { ...same, EndpointAddress: same.EndpointAddress.toLowerCase() },
      };
      await rejects(core.register(clash), "DuplicateRegistration");
      // The holder is untouched.
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 3,
        MeshId: "mesh.example",
      });
      expect(r.Addresses).toEqual([nodeAddress(1)]);
      // Another mesh may hold the same path.
      await core.register({ ...clash, MeshId: "other" });
      // Once the holder is unregistered the path is free.
      await core.unregister({ MeshId: "mesh.example", RegistrationId: first.RegistrationId });
      await core.register(clash);
      // Update onto a path held by another live registration is refused too.
      const second = await core.register(registerBody(2));
      await rejects(
        core.update({
          ClientId: guid(2),
          MeshId: "mesh.example",
          NodeAddress: nodeAddress(1),
          RegistrationId: second.RegistrationId,
        }),
        "DuplicateRegistration",
      );
      // An expired holder does not count, swept or not.
      clock.advance(10 * MINUTE);
      await core.register(registerBody(1));
      await core.register({ ...clash, MeshId: "other" });
      for (const mesh of ["mesh.example", "other"]) {
        const live = await core.resolve({ ClientId: EMPTY_GUID, MaxAddresses: 5, MeshId: mesh });
        expect(live.Addresses).toHaveLength(1);
      }
      expect(await core.stats()).toEqual({ meshes: 2, registrations: 2 });
      expect(core.counters().faults.Register).toBe(1);
    });

    it("Unregister removes only the named registration of the named mesh", async () => {
      const { core } = await service();
      const a = await core.register(registerBody(1));
      await core.register(registerBody(2));
      await core.unregister({ MeshId: "other", RegistrationId: a.RegistrationId });
      await core.unregister({ MeshId: "mesh.example", RegistrationId: guid(0xbeef) });
      expect((await core.stats()).registrations).toBe(2);
      await core.unregister({
        MeshId: "mesh.example",
        RegistrationId: a.RegistrationId.toUpperCase(),
      });
      const r = await core.resolve({
        ClientId: EMPTY_GUID,
        MaxAddresses: 3,
        MeshId: "mesh.example",
      });
      expect(r.Addresses).toEqual([nodeAddress(2)]);
      expect(core.counters().unregistered).toBe(1);
      const gone = await core.refresh({ MeshId: "mesh.example", RegistrationId: a.RegistrationId });
      expect(gone.Result).toBe("RegistrationNotFound");
    });

    it("enforces the registration quotas, and frees them on expiry", async () => {
      const { core, clock } = await service({
        quotas: { maxRegistrationsPerMesh: 2, maxMeshes: 2, maxRegistrations: 4 },
      });
      await core.register(registerBody(1, "a"));
      await core.register(registerBody(2, "a"));
      const perMesh = await rejects(core.register(registerBody(3, "a")), "QuotaExceeded");
      expect(perMesh).toBeInstanceOf(ResolverQuotaError);
      expect((perMesh as ResolverQuotaError).quota).toBe("maxRegistrationsPerMesh");
      expect((perMesh as ResolverQuotaError).limit).toBe(2);
      await core.register(registerBody(4, "b"));
      const meshes = (await rejects(
        core.register(registerBody(5, "c")),
        "QuotaExceeded",
      )) as ResolverQuotaError;
      expect(meshes.quota).toBe("maxMeshes");
      await core.register(registerBody(6, "b"));
      const total = (await rejects(
        core.register(registerBody(7, "c")),
        "QuotaExceeded",
      )) as ResolverQuotaError;
      expect(total.quota).toBe("maxRegistrations");
      // Everything accepted so far is still there.
      expect(await core.stats()).toEqual({ meshes: 2, registrations: 4 });
      clock.advance(10 * MINUTE);
      // Expired records no longer count, swept or not.
      await core.register(registerBody(3, "a"));
      await core.register(registerBody(5, "c"));
      await core.register(registerBody(7, "c"));
      await core.register(registerBody(8, "a"));
      expect(await core.stats()).toEqual({ meshes: 2, registrations: 4 });
      await rejects(core.register(registerBody(9, "d")), "QuotaExceeded");
    });

    it("bounds the request fields and rejects malformed requests", async () => {
      const { core } = await service({
        quotas: { maxAddressesPerRegistration: 2, maxMeshIdLength: 8, maxUriLength: 100 },
      });
      const base = registerBody(1, "m");
      const tooMany = {
        ...base,
        NodeAddress: { ...base.NodeAddress, IPAddresses: ["1.1.1.1", "2.2.2.2", "3.3.3.3"] },
      };
      expect(
        ((await rejects(core.register(tooMany), "QuotaExceeded")) as ResolverQuotaError).quota,
      ).toBe("maxAddressesPerRegistration");
      expect(
        (
          (await rejects(
            core.register({ ...base, MeshId: "123456789" }),
            "QuotaExceeded",
          )) as ResolverQuotaError
        ).quota,
      ).toBe("maxMeshIdLength");
      const longUri = {
        ...base,
        NodeAddress: { ...base.NodeAddress, EndpointAddress: `net.tcp://h/${"x".repeat(100)}` },
      };
      expect(
        ((await rejects(core.register(longUri), "QuotaExceeded")) as ResolverQuotaError).quota,
      ).toBe("maxUriLength");
      await rejects(core.register({ ...base, ClientId: "not-a-guid" }), "InvalidRequest");
      await rejects(core.register({ ...base, MeshId: "" }), "InvalidRequest");
      await rejects(
        core.register({ ...base, NodeAddress: { ...base.NodeAddress, IPAddresses: [] } }),
        "InvalidRequest",
      );
      await rejects(
        core.register({
          ...base,
          NodeAddress: { ...base.NodeAddress, IPAddresses: ["300.1.1.1"] },
        }),
        "InvalidRequest",
      );
      await rejects(
        core.register({
          ...base,
          NodeAddress: { ...base.NodeAddress, EndpointAddress: "not a uri" },
        }),
        "InvalidRequest",
      );
      // Hostile shapes (as a broken decoder might produce) are refused, not crashed on.
      const hostile = JSON.parse('{"ClientId":7,"MeshId":null,"NodeAddress":{"IPAddresses":"x"}}');
      await rejects(core.register(hostile), "InvalidRequest");
      await rejects(core.refresh({ MeshId: "m", RegistrationId: "{bad}" }), "InvalidRequest");
      await rejects(core.unregister({ MeshId: "", RegistrationId: guid(1) }), "InvalidRequest");
      expect(core.counters().faults.Register).toBe(9);
      expect((await core.stats()).registrations).toBe(0);
    });

    it("answers GetServiceInfo with the ControlMeshShape setting and counts requests", async () => {
      const off = await service();
      expect(await off.core.getServiceInfo()).toEqual({ ControlMeshShape: false });
      const on = await service({ controlMeshShape: true });
      const reply = await on.core.handle({ operation: "GetServiceInfo", body: null });
      expect(reply).toEqual({ operation: "GetServiceInfo", body: { ControlMeshShape: true } });
      const reg = await on.core.handle({ operation: "Register", body: registerBody(1) });
      expect(reg.operation).toBe("Register");
      const un = await on.core.handle({
        operation: "Unregister",
        body: {
          MeshId: "mesh.example",
          RegistrationId: (reg.body as { RegistrationId: string }).RegistrationId,
        },
      });
      expect(un).toEqual({ operation: "Unregister", body: null });
      const c = on.core.counters();
      expect(c.requests).toEqual({
        Register: 1,
        Update: 0,
        Resolve: 0,
        Unregister: 1,
        Refresh: 0,
        GetServiceInfo: 1,
      });
      expect(c.registered).toBe(1);
      expect(c.unregistered).toBe(1);
    });

    it("a second service instance on the same store sees the first one's registrations", async () => {
      const clock = new Clock();
      const { store, second } = await backend.fresh();
      const one = new ResolverServiceCore({ store, now: clock.now });
      const two = new ResolverServiceCore({ store: await second(), now: clock.now });
      const a = await one.register(registerBody(1));
      await two.register(registerBody(2));
      const seen = await two.resolve({
        ClientId: guid(2),
        MaxAddresses: 5,
        MeshId: "mesh.example",
      });
      expect(seen.Addresses).toEqual([nodeAddress(1)]);
      // Duplicates are caught across instances.
      await rejects(
        two.register({ ...registerBody(1), ClientId: guid(3) }),
        "DuplicateRegistration",
      );
      // Refresh through the other instance works, and so does Unregister.
      clock.advance(9 * MINUTE);
      expect(
        (await two.refresh({ MeshId: "mesh.example", RegistrationId: a.RegistrationId })).Result,
      ).toBe("Success");
      clock.advance(9 * MINUTE);
      expect(await one.maintain()).toBe(1); // only registration 2 expired
      await two.unregister({ MeshId: "mesh.example", RegistrationId: a.RegistrationId });
      expect(await one.stats()).toEqual({ meshes: 0, registrations: 0 });
    });

    it("holds 10,000 registrations in one mesh and samples them", async () => {
      const { core } = await service();
      const jobs: Promise<unknown>[] = [];
      for (let n = 1; n <= 10_000; n++) jobs.push(core.register(registerBody(n)));
      await Promise.all(jobs);
      expect(await core.stats()).toEqual({ meshes: 1, registrations: 10_000 });
      const r = await core.resolve({ ClientId: guid(1), MaxAddresses: 5, MeshId: "mesh.example" });
      expect(r.Addresses).toHaveLength(5);
      expect(new Set(paths(r.Addresses)).size).toBe(5);
    });
  });
}
