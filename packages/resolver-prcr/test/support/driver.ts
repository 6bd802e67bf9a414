import {
  type ResolverClientAction,
  type ResolverClientCore,
  ResolverError,
  type ResolverServiceCore,
} from "../../src/index.js";
import type { Clock } from "./fixtures.js";

/**
 * Runs a client core against a real service core in one process: performs the client's actions,
 * delivers the service's replies, and fires timers on a fake clock. `mode` models the link.
 */
export class Driver {
  readonly timers = new Map<string, number>();
  /** Every action that is not send/setTimer/cancelTimer, in order. */
  readonly events: ResolverClientAction[] = [];
  /** Every request sent, in order. */
  readonly sent: string[] = [];
  mode: "up" | "down" | "silent" = "up";

  constructor(
    readonly client: ResolverClientCore,
    public service: ResolverServiceCore,
    readonly clock: Clock,
  ) {}

  async perform(actions: readonly ResolverClientAction[]): Promise<void> {
    for (const a of actions) {
      switch (a.type) {
        case "setTimer":
          this.timers.set(a.timer, a.at);
          break;
        case "cancelTimer":
          this.timers.delete(a.timer);
          break;
        case "send": {
          this.sent.push(a.request.operation);
          if (this.mode === "silent") break;
          if (this.mode === "down") {
            const err = new ResolverError("Fault", "connection refused");
            await this.perform(this.client.onFailure(a.requestId, err, this.clock.t));
            break;
          }
          try {
            const reply = await this.service.handle(a.request);
            await this.perform(this.client.onResponse(a.requestId, reply, this.clock.t));
          } catch (e) {
            const err = e instanceof ResolverError ? e : new ResolverError("Fault", String(e));
            await this.perform(this.client.onFailure(a.requestId, err, this.clock.t));
          }
          break;
        }
        default:
          this.events.push(a);
      }
    }
  }

  /** Fire due timers (and the service's maintenance every minute) until `until`; bounded. */
  async runUntil(until: number): Promise<void> {
    let nextMaintenance = this.clock.t + this.service.maintenanceIntervalMs;
    for (let i = 0; i < 100_000; i++) {
      let name: string | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const [n, t] of this.timers) {
        if (t < at) {
          at = t;
          name = n;
        }
      }
      if (nextMaintenance <= at && nextMaintenance <= until) {
        this.clock.t = nextMaintenance;
        await this.service.maintain();
        nextMaintenance += this.service.maintenanceIntervalMs;
        continue;
      }
      if (name === undefined || at > until) {
        this.clock.t = until;
        return;
      }
      this.clock.t = Math.max(this.clock.t, at);
      this.timers.delete(name);
      await this.perform(this.client.onTimer(name as "refresh", this.clock.t));
    }
    throw new Error("driver did not settle");
  }
}
