import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ResolverClientAction,
  ResolverClientCore,
  ResolverError,
  type ResolverResponse,
} from "../src/index.js";
import { guid, MINUTE, nodeAddress } from "./support/fixtures.js";

/** Host events in any order, including ones a broken or hostile service would cause. */
type Ev =
  | { k: "register" }
  | { k: "update"; n: number }
  | { k: "resolve" }
  | { k: "settings" }
  | { k: "close" }
  | { k: "reply"; pick: number; variant: number }
  | { k: "fail"; pick: number }
  | { k: "timer"; pick: number }
  | { k: "advance"; ms: number };

const ev: fc.Arbitrary<Ev> = fc.oneof(
  fc.constant({ k: "register" as const }),
  fc.record({ k: fc.constant("update" as const), n: fc.nat(3) }),
  fc.constant({ k: "resolve" as const }),
  fc.constant({ k: "settings" as const }),
  { weight: 1, arbitrary: fc.constant({ k: "close" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ k: fc.constant("reply" as const), pick: fc.nat(), variant: fc.nat(5) }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("fail" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("timer" as const), pick: fc.nat() }) },
  fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 15 * MINUTE }) }),
);

/** A reply for `op`, sometimes of the wrong kind or with odd values. */
function reply(op: string, variant: number): ResolverResponse {
  const lifetimes = [6_000_000_000n, 0n, -1n, 10n ** 19n, 1n, 600_000_000n];
  const lifetime = lifetimes[variant] ?? 0n;
  switch (variant === 5 ? "Resolve" : op) {
    case "Register":
      return {
        operation: "Register",
        body: { RegistrationId: guid(50 + variant), RegistrationLifetime: lifetime },
      };
    case "Update":
      return {
        operation: "Update",
        body: {
          RegistrationId: variant === 4 ? "garbage" : guid(60 + variant),
          RegistrationLifetime: lifetime,
        },
      };
    case "Refresh":
      return {
        operation: "Refresh",
        body: {
          Result: variant % 2 === 0 ? "Success" : "RegistrationNotFound",
          RegistrationLifetime: lifetime,
        },
      };
    case "GetServiceInfo":
      return { operation: "GetServiceInfo", body: { ControlMeshShape: variant % 2 === 0 } };
    case "Unregister":
      return { operation: "Unregister", body: null };
    default:
      return { operation: "Resolve", body: { Addresses: [nodeAddress(variant)] } };
  }
}

describe("ResolverClientCore under arbitrary event sequences", () => {
  it("keeps its invariants and never throws on service-side events", () => {
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 80 }), (events) => {
        const c = new ResolverClientCore({ ClientId: guid(1) });
        let now = 0;
        const timers = new Map<string, number>();
        /** Sent requests not yet answered, failed or timed out: id → operation. */
        const open = new Map<number, string>();
        let closedSeen = 0;
        let sentAfterClose = 0;
        const apply = (actions: readonly ResolverClientAction[]) => {
          for (const a of actions) {
            if (closedSeen > 0) sentAfterClose += a.type === "send" ? 1 : 0;
            if (a.type === "setTimer") {
              expect(a.at).toBeGreaterThanOrEqual(now);
              timers.set(a.timer, a.at);
            } else if (a.type === "cancelTimer") timers.delete(a.timer);
            else if (a.type === "send") {
              if (a.request.operation !== "Unregister") open.set(a.requestId, a.request.operation);
            } else if (a.type === "closed") closedSeen++;
            else if (a.type === "failed") open.delete(a.requestId);
          }
          // At most one of Register/Update/Refresh is outstanding at any time.
          const reg = [...open.values()].filter(
            (op) => op !== "Resolve" && op !== "GetServiceInfo",
          );
          expect(reg.length).toBeLessThanOrEqual(1);
          // Every outstanding request has its response timer armed.
          for (const id of open.keys()) expect(timers.has(`response:${id}`)).toBe(true);
          expect(c.pendingRequests).toBe(open.size);
        };
        const nth = <T>(xs: readonly T[], i: number): T | undefined =>
          xs.length === 0 ? undefined : xs[i % xs.length];
        for (const e of events) {
          let out: readonly ResolverClientAction[] = [];
          try {
            switch (e.k) {
              case "register":
                out = c.register("mesh", nodeAddress(0), now);
                break;
              case "update":
                out = c.update(nodeAddress(e.n), now);
                break;
              case "resolve":
                out = c.resolve("mesh", 3, now).actions;
                break;
              case "settings":
                out = c.getServiceSettings(now).actions;
                break;
              case "close":
                out = c.close(now);
                break;
              case "reply": {
                const target = nth([...open], e.pick);
                if (target === undefined) break;
                const [id, op] = target;
                const r = reply(op, e.variant);
                if (r.operation === op) open.delete(id);
                out = c.onResponse(id, r, now);
                break;
              }
              case "fail": {
                const target = nth([...open.keys()], e.pick);
                if (target === undefined) break;
                open.delete(target);
                out = c.onFailure(target, new ResolverError("Fault", "boom"), now);
                break;
              }
              case "timer": {
                const due = [...timers].sort((x, y) => x[1] - y[1]);
                const t = nth(due, e.pick);
                if (t === undefined) break;
                now = Math.max(now, t[1]);
                timers.delete(t[0]);
                const id = t[0].startsWith("response:") ? Number(t[0].slice(9)) : undefined;
                if (id !== undefined) open.delete(id);
                out = c.onTimer(t[0] as "refresh", now);
                break;
              }
              case "advance":
                now += e.ms;
                break;
            }
          } catch (err) {
            // Only misuse by the host may throw, and only as a typed error.
            expect(err).toBeInstanceOf(ResolverError);
            expect(["InvalidState", "Closed"]).toContain((err as ResolverError).code);
            expect(
              e.k === "register" || e.k === "update" || e.k === "resolve" || e.k === "settings",
            ).toBe(true);
          }
          apply(out);
        }
        expect(closedSeen).toBeLessThanOrEqual(1);
        // After "closed", nothing more is sent.
        expect(sentAfterClose).toBe(0);
        if (closedSeen === 1) {
          expect(c.pendingRequests).toBe(0);
          expect(timers.has("refresh")).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
