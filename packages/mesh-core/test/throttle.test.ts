import { describe, expect, it } from "vitest";
import { acceptFrom, addr, makeEngine, ofType, open } from "./helpers.js";

function setup(n = 3) {
  const e = makeEngine({ seed: 7 });
  open(e);
  const conns = Array.from({ length: n }, (_, i) => acceptFrom(e, BigInt(i + 2), addr(i + 2)).conn);
  return { e, conns };
}

describe("§3.1.5.9 throttling (Windows: 128 / >32 / ≤8 / 10–20 s)", () => {
  it("MUST stop receiving at the limit and watch the neighbor with the most pending messages", () => {
    const { e, conns } = setup();
    const below = e.handle({ type: "backlog", total: 127, connections: [[conns[0]!, 100]] }, 0);
    expect(below).toEqual([]);
    const a = e.handle(
      {
        type: "backlog",
        total: 128,
        connections: [
          [conns[0]!, 60],
          [conns[1]!, 90],
          [conns[2]!, 10],
        ],
      },
      1000,
    );
    expect(a[0]).toEqual({ type: "pauseReading" });
    const t = ofType(a, "setTimer").find((x) => x.id === "throttle")!;
    // grace period between 10 and 20 seconds
    expect(t.at).toBeGreaterThanOrEqual(11_000);
    expect(t.at).toBeLessThanOrEqual(21_000);
    expect(e.isThrottled).toBe(true);
  });

  it("the grace period is drawn at random between 10 and 20 s", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const e = makeEngine({ seed });
      open(e);
      const c = acceptFrom(e, 2n, addr(2)).conn;
      const a = e.handle({ type: "backlog", total: 200, connections: [[c, 100]] }, 0);
      const at = ofType(a, "setTimer").find((x) => x.id === "throttle")!.at;
      expect(at).toBeGreaterThanOrEqual(10_000);
      expect(at).toBeLessThanOrEqual(20_000);
      seen.add(at);
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it("MUST abort the slowest neighbor if it has not halved its backlog when the grace period ends", () => {
    const { e, conns } = setup();
    const a = e.handle({ type: "backlog", total: 150, connections: [[conns[1]!, 100]] }, 0);
    const at = ofType(a, "setTimer").find((x) => x.id === "throttle")!.at;
    e.handle({ type: "backlog", total: 140, connections: [[conns[1]!, 51]] }, at - 1);
    const t = e.handle({ type: "timerFired", id: "throttle" }, at);
    expect(ofType(t, "abort")[0]).toMatchObject({ conn: conns[1], reason: "NodeTooSlow" });
    expect(e.stats().tooSlowAborts).toBe(1);
  });

  it("does not abort a neighbor that halved its backlog", () => {
    const { e, conns } = setup();
    const a = e.handle({ type: "backlog", total: 150, connections: [[conns[1]!, 100]] }, 0);
    const at = ofType(a, "setTimer").find((x) => x.id === "throttle")!.at;
    e.handle({ type: "backlog", total: 140, connections: [[conns[1]!, 50]] }, at - 1);
    const t = e.handle({ type: "timerFired", id: "throttle" }, at);
    expect(ofType(t, "abort")).toEqual([]);
  });

  it("never aborts the last neighbor", () => {
    const { e, conns } = setup(1);
    const a = e.handle({ type: "backlog", total: 150, connections: [[conns[0]!, 100]] }, 0);
    const at = ofType(a, "setTimer").find((x) => x.id === "throttle")!.at;
    const t = e.handle({ type: "timerFired", id: "throttle" }, at);
    expect(ofType(t, "abort")).toEqual([]);
    expect(e.neighborCount).toBe(1);
  });

  it("MAY stop watching at 8 or fewer pending, cancel the grace period and resume once below the limit", () => {
    const { e, conns } = setup();
    e.handle({ type: "backlog", total: 150, connections: [[conns[0]!, 100]] }, 0);
    const a = e.handle({ type: "backlog", total: 20, connections: [[conns[0]!, 8]] }, 100);
    expect(a).toEqual([{ type: "cancelTimer", id: "throttle" }, { type: "resumeReading" }]);
    expect(e.isThrottled).toBe(false);
  });

  it("MUST NOT resume while the node is still at the limit", () => {
    const { e, conns } = setup();
    e.handle({ type: "backlog", total: 150, connections: [[conns[0]!, 100]] }, 0);
    const a = e.handle({ type: "backlog", total: 130, connections: [[conns[0]!, 5]] }, 100);
    expect(ofType(a, "resumeReading")).toEqual([]);
    expect(e.isThrottled).toBe(true);
    const b = e.handle({ type: "backlog", total: 127, connections: [] }, 200);
    expect(ofType(b, "resumeReading")).toHaveLength(1);
  });

  it("with no neighbor above 32 pending it only waits for the total to drop", () => {
    const { e, conns } = setup();
    const a = e.handle({ type: "backlog", total: 128, connections: [[conns[0]!, 32]] }, 0);
    expect(a).toEqual([{ type: "pauseReading" }]);
  });

  it("after aborting a too-slow neighbor it watches the next slowest", () => {
    const { e, conns } = setup();
    const a = e.handle(
      {
        type: "backlog",
        total: 200,
        connections: [
          [conns[0]!, 100],
          [conns[1]!, 80],
        ],
      },
      0,
    );
    const at = ofType(a, "setTimer").find((x) => x.id === "throttle")!.at;
    const t = e.handle({ type: "timerFired", id: "throttle" }, at);
    expect(ofType(t, "abort")[0]?.conn).toBe(conns[0]);
    expect(ofType(t, "setTimer").some((x) => x.id === "throttle")).toBe(true);
  });
});
