import { describe, expect, it } from "vitest";
import { createRedisStore, ResolverError, ResolverServiceCore } from "../src/index.js";
import { registerBody } from "./support/fixtures.js";
import { findRedisServer, startRedisServer } from "./support/redis-server.js";

const binary = findRedisServer();

describe.skipIf(binary === undefined)("Redis store when Redis goes away", () => {
  it("fails requests with StoreFailure instead of hanging, and recovers when Redis is back", async () => {
    const first = await startRedisServer(binary as string);
    const store = await createRedisStore({ url: first.url, commandTimeoutMs: 2000 });
    try {
      const core = new ResolverServiceCore({ store });
      await core.register(registerBody(1));
      await first.stop();
      const err = await core.register(registerBody(2)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ResolverError);
      expect((err as ResolverError).code).toBe("StoreFailure");
      expect(core.counters().faults.Register).toBe(1);

      // Same port again (empty: no persistence). node-redis reconnects on its own; poll, bounded.
      const second = await startRedisServer(binary as string, first.port);
      try {
        let ok = false;
        for (let i = 0; i < 100 && !ok; i++) {
          ok = await core.register(registerBody(3)).then(
            () => true,
            () => false,
          );
          if (!ok) await new Promise((r) => setTimeout(r, 100));
        }
        expect(ok).toBe(true);
        expect(await core.stats()).toEqual({ meshes: 1, registrations: 1 });
      } finally {
        await store.close();
        await second.stop();
      }
    } finally {
      await store.close();
      await first.stop();
    }
    // A closed store refuses work with a typed error.
    const closed = await store.stats(0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((closed as ResolverError).code).toBe("Closed");
  });

  it("reports an unreachable Redis at connect time", async () => {
    // Nothing listens on this port once the server is stopped.
    const s = await startRedisServer(binary as string);
    await s.stop();
    const err = await createRedisStore({ url: s.url, commandTimeoutMs: 1000 }).then(
      (st) => st.close(),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResolverError);
    expect((err as ResolverError).code).toBe("StoreFailure");
  });
});
