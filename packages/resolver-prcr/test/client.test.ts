import { describe, expect, it } from "vitest";
import {
  type ResolverClientAction,
  ResolverClientCore,
  ResolverError,
  type ResolverRequest,
  ResolverServiceCore,
} from "../src/index.js";
import { Driver } from "./support/driver.js";
import { Clock, guid, MINUTE, nodeAddress } from "./support/fixtures.js";

const T0 = 1_000_000;
const LIFETIME_10_MIN = 6_000_000_000n;

function sends(actions: readonly ResolverClientAction[]) {
  return actions.filter((a) => a.type === "send") as Extract<
    ResolverClientAction,
    { type: "send" }
  >[];
}

function only<T>(xs: readonly T[]): T {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
}

function timerAt(actions: readonly ResolverClientAction[], timer: string): number | undefined {
  const a = actions.find((x) => x.type === "setTimer" && x.timer === timer);
  return a?.type === "setTimer" ? a.at : undefined;
}

function body<O extends ResolverRequest["operation"]>(req: ResolverRequest, op: O) {
  expect(req.operation).toBe(op);
  return req.body as Extract<ResolverRequest, { operation: O }>["body"];
}

describe("ResolverClientCore (sans-IO)", () => {
  it("registers, starts the 2-minute response timer, then refreshes before the lifetime ends", () => {
    const c = new ResolverClientCore({ ClientId: guid(1) });
    const a1 = c.register("mesh", nodeAddress(1), T0);
    const reg = only(sends(a1));
    expect(body(reg.request, "Register")).toEqual({
      ClientId: guid(1),
      MeshId: "mesh",
      NodeAddress: nodeAddress(1),
    });
    expect(timerAt(a1, `response:${reg.requestId}`)).toBe(T0 + 2 * MINUTE);

    const a2 = c.onResponse(
      reg.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(99).toUpperCase(), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0 + 5,
    );
    expect(a2).toContainEqual({ type: "cancelTimer", timer: `response:${reg.requestId}` });
    expect(a2).toContainEqual({
      type: "registered",
      RegistrationId: guid(99),
      RegistrationLifetime: LIFETIME_10_MIN,
    });
    // A tenth of the lifetime, capped at one minute, before it ends.
    expect(timerAt(a2, "refresh")).toBe(T0 + 5 + 9 * MINUTE);
    expect(c.registrationId).toBe(guid(99));

    const a3 = c.onTimer("refresh", T0 + 9 * MINUTE);
    const ref = only(sends(a3));
    expect(body(ref.request, "Refresh")).toEqual({ MeshId: "mesh", RegistrationId: guid(99) });
    const a4 = c.onResponse(
      ref.requestId,
      {
        operation: "Refresh",
        body: { Result: "Success", RegistrationLifetime: 2n * LIFETIME_10_MIN },
      },
      T0 + 10 * MINUTE,
    );
    expect(timerAt(a4, "refresh")).toBe(T0 + 10 * MINUTE + 19 * MINUTE);
    expect(c.registrationLifetime).toBe(2n * LIFETIME_10_MIN);
  });

  it("refreshes at the full lifetime with refreshMarginMs 0 (Windows), and clamps hostile lifetimes", () => {
    const win = new ResolverClientCore({ refreshMarginMs: 0 });
    const r = only(sends(win.register("m", nodeAddress(1), T0)));
    const a = win.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0,
    );
    expect(timerAt(a, "refresh")).toBe(T0 + 10 * MINUTE);

    const c = new ResolverClientCore();
    const r2 = only(sends(c.register("m", nodeAddress(1), T0)));
    const zero = c.onResponse(
      r2.requestId,
      { operation: "Register", body: { RegistrationId: guid(5), RegistrationLifetime: 0n } },
      T0,
    );
    expect(timerAt(zero, "refresh")).toBe(T0 + 5_000);
    const ref = only(sends(c.onTimer("refresh", T0 + 5_000)));
    const huge = c.onResponse(
      ref.requestId,
      { operation: "Refresh", body: { Result: "Success", RegistrationLifetime: 10n ** 18n } },
      T0,
    );
    expect(timerAt(huge, "refresh")).toBe(T0 + 86_400_000);
  });

  it("registers again after RegistrationNotFound", () => {
    const c = new ResolverClientCore({ ClientId: guid(1) });
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    c.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0,
    );
    const ref = only(sends(c.onTimer("refresh", T0 + 9 * MINUTE)));
    const a = c.onResponse(
      ref.requestId,
      { operation: "Refresh", body: { Result: "RegistrationNotFound", RegistrationLifetime: 0n } },
      T0 + 9 * MINUTE,
    );
    const again = only(sends(a));
    expect(body(again.request, "Register").NodeAddress).toEqual(nodeAddress(1));
    expect(c.registrationId).toBeUndefined();
  });

  it("sends Update on an address change, deferring it while a registration request is in flight", () => {
    const c = new ResolverClientCore({ ClientId: guid(1) });
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    // Address changes before the Register reply: nothing is sent yet.
    expect(sends(c.update(nodeAddress(2), T0 + 1))).toHaveLength(0);
    const a = c.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0 + 2,
    );
    const up = only(sends(a));
    expect(body(up.request, "Update")).toEqual({
      ClientId: guid(1),
      MeshId: "m",
      NodeAddress: nodeAddress(2),
      RegistrationId: guid(5),
    });
    expect(timerAt(a, "refresh")).toBeUndefined();
    // The Update reply may carry a new id, which replaces ours (MC-PRCR §3.1.5.1).
    const b = c.onResponse(
      up.requestId,
      {
        operation: "Update",
        body: { RegistrationId: guid(6), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0 + 3,
    );
    expect(c.registrationId).toBe(guid(6));
    expect(timerAt(b, "refresh")).toBe(T0 + 3 + 9 * MINUTE);
    // Registered and idle: an address change goes out at once and disarms the refresh timer.
    const d = c.update(nodeAddress(3), T0 + 4);
    expect(d).toContainEqual({ type: "cancelTimer", timer: "refresh" });
    expect(body(only(sends(d)).request, "Update").NodeAddress).toEqual(nodeAddress(3));
  });

  it("times out after 2 minutes, reports the failure and retries the registration", () => {
    const c = new ResolverClientCore();
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    const a = c.onTimer(`response:${r.requestId}`, T0 + 2 * MINUTE);
    const failed = a.find((x) => x.type === "failed");
    expect(failed?.type === "failed" && failed.error.code).toBe("Timeout");
    expect(timerAt(a, "refresh")).toBe(T0 + 2 * MINUTE + 10_000);
    // A late reply is ignored (MC-PRCR §3.1.5.1: not waiting for it).
    expect(
      c.onResponse(
        r.requestId,
        {
          operation: "Register",
          body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
        },
        T0,
      ),
    ).toEqual([]);
    expect(c.registrationId).toBeUndefined();
    const retry = only(sends(c.onTimer("refresh", T0 + 2 * MINUTE + 10_000)));
    expect(retry.request.operation).toBe("Register");
  });

  it("ignores replies to requests it is not waiting for, or of the wrong operation", () => {
    const c = new ResolverClientCore();
    const { requestId } = c.resolve("m", 3, T0);
    expect(c.onResponse(999, { operation: "Resolve", body: { Addresses: [] } }, T0)).toEqual([]);
    expect(
      c.onResponse(
        requestId,
        { operation: "GetServiceInfo", body: { ControlMeshShape: true } },
        T0,
      ),
    ).toEqual([]);
    const ok = c.onResponse(
      requestId,
      { operation: "Resolve", body: { Addresses: [nodeAddress(4)] } },
      T0,
    );
    expect(ok).toContainEqual({ type: "resolved", requestId, Addresses: [nodeAddress(4)] });
    expect(c.pendingRequests).toBe(0);
  });

  it("Resolve carries our ClientId and MaxAddresses", () => {
    const c = new ResolverClientCore({ ClientId: guid(7) });
    const { actions } = c.resolve("mesh", 3, T0);
    expect(body(only(sends(actions)).request, "Resolve")).toEqual({
      ClientId: guid(7),
      MaxAddresses: 3,
      MeshId: "mesh",
    });
  });

  it("decides referral sharing from GetServiceSettings under the Service policy", () => {
    for (const [shape, share] of [
      [false, true],
      [true, false],
    ] as const) {
      const c = new ResolverClientCore();
      expect(c.canShareReferrals).toBeUndefined();
      const q = only(sends(c.open(T0)));
      expect(q.request).toEqual({ operation: "GetServiceInfo", body: null });
      const a = c.onResponse(
        q.requestId,
        { operation: "GetServiceInfo", body: { ControlMeshShape: shape } },
        T0,
      );
      expect(a).toContainEqual({
        type: "serviceSettings",
        requestId: q.requestId,
        ControlMeshShape: shape,
        canShareReferrals: share,
      });
      expect(c.canShareReferrals).toBe(share);
    }
    expect(new ResolverClientCore({ referralPolicy: "Share" }).open(T0)).toEqual([]);
    expect(new ResolverClientCore({ referralPolicy: "Share" }).canShareReferrals).toBe(true);
    const never = new ResolverClientCore({ referralPolicy: "DoNotShare" });
    const q = only(sends(never.getServiceSettings(T0).actions));
    never.onResponse(
      q.requestId,
      { operation: "GetServiceInfo", body: { ControlMeshShape: false } },
      T0,
    );
    expect(never.canShareReferrals).toBe(false);
  });

  it("unregisters on close, without a response timer, and fails what is outstanding", () => {
    const c = new ResolverClientCore({ ClientId: guid(1) });
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    c.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0,
    );
    const { requestId: res } = c.resolve("m", 3, T0);
    const a = c.close(T0 + 1);
    const un = only(sends(a));
    expect(un.request).toEqual({
      operation: "Unregister",
      body: { MeshId: "m", RegistrationId: guid(5) },
    });
    expect(timerAt(a, `response:${un.requestId}`)).toBeUndefined();
    expect(a).toContainEqual({ type: "cancelTimer", timer: "refresh" });
    const failed = a.find((x) => x.type === "failed");
    expect(failed?.type === "failed" && failed.requestId === res && failed.error.code).toBe(
      "Closed",
    );
    expect(a.at(-1)).toEqual({ type: "closed" });
    expect(c.closed).toBe(true);
    expect(c.close(T0 + 2)).toEqual([]);
    expect(() => c.resolve("m", 3, T0)).toThrow(ResolverError);
  });

  it("abort sends nothing (no Unregister) and fails everything outstanding", () => {
    const c = new ResolverClientCore({ ClientId: guid(1) });
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    c.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0,
    );
    const { requestId: res } = c.resolve("m", 3, T0);
    const a = c.abort();
    expect(sends(a)).toHaveLength(0);
    expect(a).toContainEqual({ type: "cancelTimer", timer: "refresh" });
    const failed = a.filter((x) => x.type === "failed");
    expect(failed.map((x) => x.type === "failed" && [x.requestId, x.error.code])).toEqual([
      [res, "Closed"],
    ]);
    expect(a.at(-1)).toEqual({ type: "closed" });
    expect(c.closed).toBe(true);
    expect(c.abort()).toEqual([]);
    expect(c.close(T0 + 2)).toEqual([]);
    expect(() => c.resolve("m", 3, T0)).toThrow(ResolverError);
  });

  it("on close during a Register, waits for the reply and unregisters the new record", () => {
    const c = new ResolverClientCore();
    const r = only(sends(c.register("m", nodeAddress(1), T0)));
    const a = c.close(T0 + 1);
    expect(sends(a)).toHaveLength(0);
    expect(c.closed).toBe(false);
    const b = c.onResponse(
      r.requestId,
      {
        operation: "Register",
        body: { RegistrationId: guid(5), RegistrationLifetime: LIFETIME_10_MIN },
      },
      T0 + 2,
    );
    expect(only(sends(b)).request).toEqual({
      operation: "Unregister",
      body: { MeshId: "m", RegistrationId: guid(5) },
    });
    expect(timerAt(b, "refresh")).toBeUndefined();
    expect(b.at(-1)).toEqual({ type: "closed" });
    // Closing with nothing registered just closes.
    const idle = new ResolverClientCore();
    expect(idle.close(T0)).toEqual([{ type: "closed" }]);
  });

  it("refuses a second registration and bad options", () => {
    const c = new ResolverClientCore();
    c.register("m", nodeAddress(1), T0);
    expect(() => c.register("m", nodeAddress(2), T0)).toThrow(ResolverError);
    expect(() => new ResolverClientCore().update(nodeAddress(1), T0)).toThrow(ResolverError);
    expect(() => new ResolverClientCore({ ClientId: "nope" })).toThrow(ResolverError);
  });
});

describe("client core against the service core", () => {
  function setup() {
    const clock = new Clock();
    const service = new ResolverServiceCore({ now: clock.now });
    const client = new ResolverClientCore({ ClientId: guid(1) });
    return { clock, service, client, driver: new Driver(client, service, clock) };
  }

  it("stays registered for hours through refreshes", async () => {
    const { clock, service, client, driver } = setup();
    await driver.perform(client.open(clock.t));
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    expect(client.canShareReferrals).toBe(true);
    const first = client.registrationId;
    await driver.runUntil(clock.t + 3 * 60 * MINUTE);
    // Refreshed every 9 minutes: the same registration all along, never expired by maintenance.
    expect(client.registrationId).toBe(first);
    expect(service.counters().expired).toBe(0);
    expect(service.counters().requests.Refresh).toBe(20);
    const seen = await service.resolve({ ClientId: guid(2), MaxAddresses: 3, MeshId: "mesh" });
    expect(seen.Addresses).toEqual([nodeAddress(1)]);
  });

  it("with Windows timing (refresh at the full lifetime) still recovers through re-registration", async () => {
    const clock = new Clock();
    const service = new ResolverServiceCore({ now: clock.now });
    const client = new ResolverClientCore({ refreshMarginMs: 0 });
    const driver = new Driver(client, service, clock);
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    await driver.runUntil(clock.t + 60 * MINUTE);
    // The record expires exactly when the refresh comes: RegistrationNotFound, then Register again.
    expect(service.counters().refreshNotFound).toBeGreaterThan(0);
    expect((await service.stats()).registrations).toBe(1);
  });

  it("re-registers after the service loses its records (restart)", async () => {
    const { clock, client, driver } = setup();
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    const before = client.registrationId;
    // A restarted service with an empty memory store.
    driver.service = new ResolverServiceCore({ now: clock.now });
    await driver.runUntil(clock.t + 10 * MINUTE);
    expect(driver.sent).toEqual(["Register", "Refresh", "Register"]);
    expect(client.registrationId).not.toBe(before);
    expect((await driver.service.stats()).registrations).toBe(1);
  });

  it("keeps retrying while the service is down, and registers once it is back", async () => {
    const { clock, client, driver, service } = setup();
    driver.mode = "down";
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    await driver.runUntil(clock.t + 35_000);
    expect(driver.sent).toEqual(["Register", "Register", "Register", "Register"]);
    driver.mode = "silent";
    await driver.runUntil(clock.t + 3 * MINUTE);
    expect(
      driver.events.filter((e) => e.type === "failed" && e.error.code === "Timeout"),
    ).toHaveLength(1);
    // The last Register of the silent spell times out first; its retry then succeeds.
    driver.mode = "up";
    await driver.runUntil(clock.t + 3 * MINUTE);
    expect(client.registrationId).toBeDefined();
    expect((await service.stats()).registrations).toBe(1);
  });

  it("Update moves the registration; close unregisters it", async () => {
    const { clock, client, driver, service } = setup();
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    const moved = nodeAddress(1, "10.7.7.7");
    await driver.perform(client.update(moved, clock.t));
    expect(
      (await service.resolve({ ClientId: guid(2), MaxAddresses: 3, MeshId: "mesh" })).Addresses,
    ).toEqual([moved]);
    await driver.perform(client.close(clock.t));
    expect(driver.sent.at(-1)).toBe("Unregister");
    expect((await service.stats()).registrations).toBe(0);
    expect(driver.timers.size).toBe(0);
  });

  it("the service's duplicate fault surfaces as a failed registration that is retried", async () => {
    const { clock, client, driver, service } = setup();
    await service.register({
      ClientId: guid(9),
      MeshId: "mesh",
      NodeAddress: nodeAddress(1, "10.1.1.1"),
    });
    await driver.perform(client.register("mesh", nodeAddress(1), clock.t));
    const failed = driver.events.find((e) => e.type === "failed");
    expect(failed?.type === "failed" && failed.error.code).toBe("DuplicateRegistration");
    expect(driver.timers.get("refresh")).toBe(clock.t + 10_000);
  });
});
