import { createServer, type Server, type Socket } from "node:net";
import {
  connectNetTcp,
  MessageChannel,
  NetTcpListener,
  type TransportError,
} from "@prch/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedisStore,
  MemoryRegistrationStore,
  type RegistrationStore,
  ResolverClient,
  type ResolverError,
  ResolverFaultError,
  ResolverService,
  type ResolverServiceHostOptions,
  requestToMessage,
} from "../src/index.js";
import { guid, nodeAddress } from "./support/fixtures.js";
import {
  findRedisServer,
  type RedisServer,
  requireInterop,
  startRedisServer,
} from "./support/redis-server.js";

const redisBinary = findRedisServer();
let redis: RedisServer | undefined;
let prefix = 0;

interface Backend {
  readonly name: string;
  readonly available: boolean;
  /** A store; with Redis every call opens another client onto the same data (another instance). */
  store(shared?: string): Promise<RegistrationStore>;
}

const memory: Backend = {
  name: "memory",
  available: true,
  store: async () => new MemoryRegistrationStore(),
};
const redisBackend: Backend = {
  name: "redis",
  available: redisBinary !== undefined,
  store: async (shared) =>
    createRedisStore({
      url: redis!.url,
      // Generous: a loaded CI machine can stall Redis replies for seconds.
      commandTimeoutMs: 30_000,
      prefix: shared ?? `prch:test:net:${process.pid}:${prefix++}:`,
    }),
};

if (requireInterop && redisBinary === undefined) {
  throw new Error("PRCH_REQUIRE_INTEROP=1 but redis-server is not installed");
}

beforeAll(async () => {
  if (redisBinary !== undefined) redis = await startRedisServer(redisBinary);
});
afterAll(async () => {
  await redis?.stop();
});

const MESH = "chat.example";

async function startService(
  store: RegistrationStore,
  options: ResolverServiceHostOptions = {},
): Promise<ResolverService> {
  const s = new ResolverService({ store, host: "127.0.0.1", port: 0, ...options });
  await s.listen();
  return s;
}

function client(service: ResolverService, options: { responseTimeoutMs?: number } = {}) {
  return new ResolverClient({ address: service.address, referralPolicy: "Service", ...options });
}

describe.each([memory, redisBackend])("resolver over net.tcp ($name store)", (backend) => {
  it.skipIf(!backend.available)("runs every operation between two clients", async () => {
    const service = await startService(await backend.store());
    const a = client(service);
    const b = client(service);
    try {
      await a.open();
      expect(a.canShareReferrals).toBe(true);
      expect(service.address).toMatch(/^net\.tcp:\/\/127\.0\.0\.1:\d+\/resolver$/);

      const ra = await a.register(MESH, nodeAddress(1, "127.0.0.11"));
      expect(ra.RegistrationLifetime).toBe(6_000_000_000n);
      expect(a.registrationId).toBe(ra.RegistrationId);
      await b.register(MESH, nodeAddress(2, "127.0.0.12"));

      // Resolve never returns the caller's own registration.
      expect(await b.resolve(MESH, 5)).toEqual([nodeAddress(1, "127.0.0.11")]);
      expect(await a.resolve(MESH, 5)).toEqual([nodeAddress(2, "127.0.0.12")]);

      const refreshed = await a.refresh();
      expect(refreshed).toEqual({ Result: "Success", RegistrationLifetime: 6_000_000_000n });

      const moved = nodeAddress(1, "127.0.0.21");
      const up = await a.update(moved);
      expect(up.RegistrationId).toBe(ra.RegistrationId);
      expect(await b.resolve(MESH, 5)).toEqual([moved]);

      expect(await a.getServiceSettings()).toEqual({
        ControlMeshShape: false,
        canShareReferrals: true,
      });

      await a.close();
      expect(await b.resolve(MESH, 5)).toEqual([]);
      expect(await service.stats()).toEqual({ meshes: 1, registrations: 1 });

      const c = service.counters();
      expect(c.operations.requests).toMatchObject({
        Register: 2,
        Update: 1,
        Resolve: 4,
        Unregister: 1,
        Refresh: 1,
        GetServiceInfo: 2,
      });
      expect(c.wire.faults).toBe(0);
      expect(c.connections.accepted).toBe(2);
    } finally {
      await a.close();
      await b.close();
      await service.close();
    }
  });

  it.skipIf(!backend.available)(
    "reports a duplicate registration as a fault and keeps the session",
    async () => {
      const service = await startService(await backend.store());
      const a = client(service);
      const b = client(service);
      try {
        await a.register(MESH, nodeAddress(1));
        const err = await b.register(MESH, nodeAddress(1, "127.0.0.99", 999)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ResolverFaultError);
        expect((err as ResolverFaultError).remoteCode).toBe("DuplicateRegistration");
        expect(b.connected).toBe(true);
        expect(await b.resolve(MESH, 3)).toEqual([nodeAddress(1)]);
        expect(service.counters().operations.faults.Register).toBe(1);
      } finally {
        await a.close();
        await b.close();
        await service.close();
      }
    },
  );

  it.skipIf(!backend.available)(
    "re-registers after the service lost the registration",
    async () => {
      const service = await startService(await backend.store());
      const a = client(service);
      try {
        const first = await a.register(MESH, nodeAddress(1));
        // Another party unregisters it behind the client's back.
        await service.core.unregister({ MeshId: MESH, RegistrationId: first.RegistrationId });
        const again = new Promise<string>((r) => a.once("registered", (id) => r(id)));
        const res = await a.refresh();
        expect(res.Result).toBe("RegistrationNotFound");
        const id = await again;
        expect(id).not.toBe(first.RegistrationId);
        expect(await service.stats()).toEqual({ meshes: 1, registrations: 1 });
      } finally {
        await a.close();
        await service.close();
      }
    },
  );
});

/** Polls `check` every 25 ms until it holds (at most `tries` times, 15 s). */
async function eventually(check: () => Promise<boolean>, tries = 600): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe.each([memory, redisBackend])("lifetimes on real timers ($name store)", (backend) => {
  it.skipIf(!backend.available)(
    "the client refreshes before expiry; a silent registration expires and the sweep removes it",
    async () => {
      const service = await startService(await backend.store(), {
        registrationLifetimeMs: 2000,
        maintenanceIntervalMs: 50,
      });
      const keeper = new ResolverClient({
        address: service.address,
        referralPolicy: "Share",
        minRefreshIntervalMs: 50,
        // Half the lifetime as margin, so a busy machine cannot make the refresh late.
        refreshMarginMs: 1500,
      });
      const watcher = client(service);
      try {
        await keeper.register(MESH, nodeAddress(1));
        // A registration nobody refreshes: made straight on the core.
        await service.core.register({
          ClientId: "00000000-0000-4000-8000-0000000000ff",
          MeshId: MESH,
          NodeAddress: nodeAddress(2),
        });
        expect(await service.stats()).toEqual({ meshes: 1, registrations: 2 });
        // The silent one expires and the maintenance timer deletes it; the kept one stays.
        expect(await eventually(async () => service.counters().operations.expired >= 1)).toBe(true);
        expect(
          await eventually(async () => service.counters().operations.requests.Refresh >= 2),
        ).toBe(true);
        expect(await watcher.resolve(MESH, 5)).toEqual([nodeAddress(1)]);
        expect(service.counters().maintenance.runs).toBeGreaterThan(0);
        expect(service.counters().operations.refreshNotFound).toBe(0);
      } finally {
        await keeper.close();
        await watcher.close();
        await service.close();
      }
    },
  );
});

describe.skipIf(redisBinary === undefined)("two service instances on one Redis", () => {
  it("the second sees the first one's registrations, and duplicates hold across them", async () => {
    const shared = `prch:test:net:shared:${process.pid}:`;
    const s1 = await startService(await redisBackend.store(shared));
    const s2 = await startService(await redisBackend.store(shared));
    const a = client(s1);
    const b = client(s2);
    try {
      const ra = await a.register(MESH, nodeAddress(1));
      expect(await b.resolve(MESH, 5)).toEqual([nodeAddress(1)]);
      const dup = await b.register(MESH, nodeAddress(1, "127.0.0.5")).then(
        () => undefined,
        (e: unknown) => e as ResolverFaultError,
      );
      expect(dup?.remoteCode).toBe("DuplicateRegistration");
      // Unregister through instance 1; instance 2's view follows.
      await a.close();
      expect(await b.resolve(MESH, 5)).toEqual([]);
      expect(await s2.stats()).toEqual({ meshes: 0, registrations: 0 });
      expect(ra.RegistrationId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await a.close();
      await b.close();
      await s1.close();
      await s2.close();
    }
  });
});

describe("the service shell", () => {
  it("serves requests addressed to any path on its port", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const other = service.address.replace(/\/resolver$/, "/some/other/Path.svc");
    const c = new ResolverClient({ address: other, referralPolicy: "Share" });
    try {
      expect(other).not.toBe(service.address);
      expect(await c.resolve(MESH, 1)).toEqual([]);
      expect(service.counters().operations.requests.Resolve).toBe(1);
    } finally {
      await c.close();
      await service.close();
    }
  });

  it("the client drops resolved addresses with mixed link-local scopes, as Windows does", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const c = client(service);
    try {
      const mixed = {
        EndpointAddress: "net.tcp://h:1/PeerChannelEndpoints/mixed",
        IPAddresses: ["fe80::1%4", "fe80::2%5"],
      };
      await service.core.register({ ClientId: guid(70), MeshId: MESH, NodeAddress: mixed });
      await service.core.register({
        ClientId: guid(71),
        MeshId: MESH,
        NodeAddress: nodeAddress(71),
      });
      expect(await c.resolve(MESH, 5)).toEqual([nodeAddress(71)]);
    } finally {
      await c.close();
      await service.close();
    }
  });

  it("two instances in one process can share a memory store", async () => {
    const store = new MemoryRegistrationStore();
    const s1 = await startService(store, { closeStore: false });
    const s2 = await startService(store, { closeStore: false });
    const a = new ResolverClient({ address: s1.address, referralPolicy: "Share" });
    const b = new ResolverClient({ address: s2.address, referralPolicy: "Share" });
    try {
      await a.register(MESH, nodeAddress(80));
      await s1.close();
      expect(await b.resolve(MESH, 3)).toEqual([nodeAddress(80)]);
    } finally {
      await a.close();
      await b.close();
      await s2.close();
      await store.close();
    }
  });

  it("serves 50 clients at once", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const clients = Array.from(
      { length: 50 },
      () => new ResolverClient({ address: service.address, referralPolicy: "Share" }),
    );
    try {
      await Promise.all(clients.map((c, i) => c.register(MESH, nodeAddress(100 + i))));
      const seen = await Promise.all(clients.map((c) => c.resolve(MESH, 5)));
      for (const list of seen) expect(list).toHaveLength(5);
      expect(await service.stats()).toEqual({ meshes: 1, registrations: 50 });
      expect(service.counters().connections.open).toBe(50);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(await service.stats()).toEqual({ meshes: 0, registrations: 0 });
    await service.close();
  });

  it("stops reading a connection while maxConcurrentRequests are in progress", async () => {
    // A real memory store whose Resolve waits for the test to open a gate.
    const inner = new MemoryRegistrationStore();
    let entered = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const store: RegistrationStore = {
      insert: (...a) => inner.insert(...a),
      update: (...a) => inner.update(...a),
      refresh: (...a) => inner.refresh(...a),
      remove: (...a) => inner.remove(...a),
      get: (...a) => inner.get(...a),
      sweep: (...a) => inner.sweep(...a),
      stats: (...a) => inner.stats(...a),
      close: () => inner.close(),
      sample: async (...a) => {
        entered++;
        await gate;
        return inner.sample(...a);
      },
    };
    const service = await startService(store, { maxConcurrentRequests: 2 });
    const conn = await connectNetTcp({
      endpointAddress: service.address,
      ipAddresses: ["127.0.0.1"],
    });
    const ch = new MessageChannel(conn);
    conn.resumeReading();
    try {
      const resolve = {
        operation: "Resolve",
        body: { ClientId: guid(1), MaxAddresses: 1, MeshId: MESH },
      } as const;
      const replies = Array.from({ length: 5 }, () =>
        ch.request(requestToMessage(resolve), 10_000),
      );
      expect(await eventually(async () => entered === 2)).toBe(true);
      // Give the service every chance to start more; it must not while two are in progress.
      await new Promise((r) => setTimeout(r, 100));
      expect(entered).toBe(2);
      open();
      const got = await Promise.all(replies);
      expect(got.every((m) => m.action?.endsWith("/ResolveResponse"))).toBe(true);
      expect(entered).toBe(5);
    } finally {
      open();
      ch.abort();
      await service.close();
    }
  });

  it("drops a connection that keeps exceeding its request rate", async () => {
    const service = await startService(new MemoryRegistrationStore(), {
      rateLimit: { requestsPerSecond: 0.001, burst: 1 },
      maxRefusals: 2,
    });
    const conn = await connectNetTcp({
      endpointAddress: service.address,
      ipAddresses: ["127.0.0.1"],
    });
    const ch = new MessageChannel(conn);
    conn.resumeReading();
    try {
      const info = { operation: "GetServiceInfo", body: null } as const;
      const settled = await Promise.allSettled(
        Array.from({ length: 5 }, () => ch.request(requestToMessage(info), 10_000)),
      );
      // Requests up to the one that crossed maxRefusals are answered — the first, then with rate
      // faults — and the session is cut; the fifth is answered only if it was read before that.
      const actions = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value.action] : []));
      expect(actions.filter((a) => a?.endsWith("/GetServiceSettingsResponse"))).toHaveLength(1);
      const faults = actions.filter((a) => a === "http://www.w3.org/2005/08/addressing/fault");
      expect(faults.length).toBeGreaterThanOrEqual(3);
      expect(actions.length).toBe(faults.length + 1);
      expect(await eventually(async () => !ch.isOpen)).toBe(true);
      expect(await eventually(async () => service.counters().connections.aborted === 1)).toBe(true);
      expect(service.counters().wire.rateLimited).toBe(faults.length);
    } finally {
      ch.abort();
      await service.close();
    }
  });
});

describe("timeouts and failures", () => {
  let silent: Server;
  let silentPort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts TCP and never answers: the preamble never completes.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.resume();
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const a = silent.address();
    silentPort = typeof a === "object" && a !== null ? a.port : 0;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("fails a request with Fault when the session never opens", async () => {
    const c = new ResolverClient({
      address: `net.tcp://127.0.0.1:${silentPort}/resolver`,
      connectTimeoutMs: 300,
      referralPolicy: "Share",
    });
    try {
      const err = await c.resolve(MESH, 3).then(
        () => undefined,
        (e: unknown) => e as ResolverError,
      );
      expect(err?.code).toBe("Fault");
      expect((err?.cause as TransportError | undefined)?.code).toBe("ConnectTimeout");
    } finally {
      await c.close();
    }
  });

  it("fails a request with Timeout when the service never replies, and drops the session", async () => {
    // A real net.tcp endpoint that completes the preamble and ignores every message.
    const mute = new NetTcpListener({ host: "127.0.0.1", port: 0 });
    mute.on("connection", (conn) => conn.resumeReading());
    const port = await mute.listen();
    const c = new ResolverClient({
      address: `net.tcp://127.0.0.1:${port}/resolver`,
      responseTimeoutMs: 300,
      referralPolicy: "Share",
    });
    try {
      const failed = new Promise<string>((r) => c.once("failed", (op) => r(op)));
      const err = await c.resolve(MESH, 3).then(
        () => undefined,
        (e: unknown) => e as ResolverError,
      );
      expect(err?.code).toBe("Timeout");
      expect(await failed).toBe("Resolve");
      // MC-PRCR §3.1.6.2: the client closes its connection to the service.
      expect(c.connected).toBe(false);
    } finally {
      await c.close();
      await mute.close();
    }
  });

  it("fails a request when nothing listens, then works once a service is there", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const port = service.port;
    await service.close();
    const c = new ResolverClient({
      address: `net.tcp://127.0.0.1:${port}/resolver`,
      referralPolicy: "Share",
    });
    try {
      const err = await c.resolve(MESH, 3).then(
        () => undefined,
        (e: unknown) => e as { code: string },
      );
      expect(err?.code).toBe("Fault");
      const again = await startService(new MemoryRegistrationStore(), { port });
      try {
        expect(await c.resolve(MESH, 3)).toEqual([]);
      } finally {
        await c.close();
        await again.close();
      }
    } finally {
      await c.close();
    }
  });

  it("rejects a second registration, and close() may be called twice at once", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const c = client(service);
    try {
      await c.register(MESH, nodeAddress(4));
      await expect(c.register(MESH, nodeAddress(5))).rejects.toMatchObject({
        code: "InvalidState",
      });
      await Promise.all([c.close(), c.close()]);
      expect(await service.stats()).toEqual({ meshes: 0, registrations: 0 });
      await expect(c.resolve(MESH, 1)).rejects.toMatchObject({ code: "Closed" });
    } finally {
      await service.close();
    }
  });

  it("abort() drops the client without Unregister: the registration stays until it lapses", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const c = client(service);
    const other = client(service);
    try {
      await c.register(MESH, nodeAddress(6));
      let closedEvents = 0;
      c.on("closed", () => closedEvents++);
      c.abort();
      c.abort();
      expect(closedEvents).toBe(1);
      await expect(c.resolve(MESH, 1)).rejects.toMatchObject({ code: "Closed" });
      await c.close(); // a no-op now
      // The service never heard an Unregister.
      expect(await service.stats()).toEqual({ meshes: 1, registrations: 1 });
      const found = await other.resolve(MESH, 5);
      expect(found.map((a) => a.EndpointAddress)).toContain(nodeAddress(6).EndpointAddress);
    } finally {
      await other.close();
      await service.close();
    }
  });

  it("close() gives up on a Register that never gets an answer after closeTimeoutMs", async () => {
    const mute = new NetTcpListener({ host: "127.0.0.1", port: 0 });
    mute.on("connection", (conn) => conn.resumeReading());
    const port = await mute.listen();
    const c = new ResolverClient({
      address: `net.tcp://127.0.0.1:${port}/resolver`,
      referralPolicy: "Share",
      closeTimeoutMs: 200,
    });
    try {
      const pending = c.register(MESH, nodeAddress(6)).then(
        () => "registered",
        (e: { code: string }) => e.code,
      );
      await c.close();
      expect(await pending).toBe("Closed");
      expect(c.connected).toBe(false);
    } finally {
      await mute.close();
    }
  });

  it("closes the service gracefully while clients are connected", async () => {
    const service = await startService(new MemoryRegistrationStore());
    const c = client(service);
    await c.register(MESH, nodeAddress(3));
    expect(service.counters().connections.open).toBe(1);
    await service.close();
    expect(service.counters().connections.open).toBe(0);
    // The client notices on its next request.
    const err = await c.resolve(MESH, 1).then(
      () => undefined,
      (e: unknown) => e as { code: string },
    );
    expect(err?.code).toBe("Fault");
    await c.close();
  });
});
