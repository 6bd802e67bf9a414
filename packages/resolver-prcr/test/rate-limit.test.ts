import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestRateLimiter, ResolverQuotaError } from "../src/index.js";

describe("RequestRateLimiter", () => {
  it("allows the burst, then the sustained rate", () => {
    const l = new RequestRateLimiter(0, { requestsPerSecond: 10, burst: 3 });
    expect([l.take(0), l.take(0), l.take(0), l.take(0)]).toEqual([true, true, true, false]);
    expect(l.take(50)).toBe(false); // half a token
    expect(l.take(100)).toBe(true);
    expect(l.take(100)).toBe(false);
    // A long pause refills only up to the burst.
    expect([l.take(60_000), l.take(60_000), l.take(60_000), l.take(60_000)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    const err = (() => {
      try {
        l.check(60_000);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ResolverQuotaError);
    expect((err as ResolverQuotaError).quota).toBe("requestRate");
  });

  it("never admits more than burst + rate × time, whatever the arrival times (even a clock going back)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 5000 }), { maxLength: 300 }), (steps) => {
        const l = new RequestRateLimiter(0, { requestsPerSecond: 5, burst: 4 });
        let now = 0;
        let latest = 0;
        let admitted = 0;
        for (const d of steps) {
          now += d;
          latest = Math.max(latest, now);
          if (l.take(now)) admitted++;
          expect(admitted).toBeLessThanOrEqual(4 + Math.floor((latest * 5) / 1000));
        }
      }),
      { numRuns: 200 },
    );
  });
});
