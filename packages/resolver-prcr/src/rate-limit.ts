import { ResolverQuotaError } from "./errors.js";

/** Options of {@link RequestRateLimiter}. */
export interface RateLimit {
  /** Sustained requests per second. */
  readonly requestsPerSecond: number;
  /** Requests allowed back to back before the sustained rate applies. */
  readonly burst: number;
}

/**
 * Default per-connection limit. A Windows node sends a handful of requests per maintenance run
 * (one Resolve or two, WINDOWS-NOTES §1.4) and one Refresh per lifetime, so this only stops floods.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = Object.freeze({ requestsPerSecond: 20, burst: 40 });

/**
 * A token bucket, one per connection, without I/O: the host passes the time. The wire layer asks
 * {@link RequestRateLimiter.take} before handing a request to the service and answers a refusal
 * with a fault (or drops the connection).
 */
export class RequestRateLimiter {
  readonly limit: RateLimit;
  #tokens: number;
  #last: number;

  constructor(now: number, limit: RateLimit = DEFAULT_RATE_LIMIT) {
    if (!(limit.requestsPerSecond > 0) || !(limit.burst >= 1)) {
      throw new ResolverQuotaError("requestRate", limit.requestsPerSecond);
    }
    this.limit = limit;
    this.#tokens = limit.burst;
    this.#last = now;
  }

  /** Spend one request; false when the connection is over its rate. */
  take(now: number): boolean {
    // A clock stepping backwards must not mint tokens.
    const elapsed = Math.max(0, now - this.#last);
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(
      this.limit.burst,
      this.#tokens + (elapsed * this.limit.requestsPerSecond) / 1000,
    );
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Like {@link RequestRateLimiter.take}, but throws `QuotaExceeded` (quota `requestRate`). */
  check(now: number): void {
    if (!this.take(now)) throw new ResolverQuotaError("requestRate", this.limit.requestsPerSecond);
  }
}
