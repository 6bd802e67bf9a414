import { describe, expect, it } from "vitest";
import { armDeadline } from "../src/deadline.js";

/** A clock that answers from a script, then repeats its last value. */
function scriptedClock(values: number[]): { now: () => number; calls: () => number } {
  let i = 0;
  return {
    now: () => values[Math.min(i++, values.length - 1)]!,
    calls: () => i,
  };
}

describe("armDeadline", () => {
  it("re-arms when the timer fires before the clock reaches the deadline", async () => {
    // Armed 5 ms ahead; when the timer fires the clock still reads 1 ms short (Node's timers and
    // Date.now() run on different clocks); only the next look finds the deadline passed.
    const clock = scriptedClock([995, 999, 1000]);
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      armDeadline(
        1000,
        () => {
          seen.push(clock.calls());
          resolve();
        },
        clock.now,
      );
    });
    expect(seen).toEqual([3]);
  });

  it("never calls back synchronously, even for a deadline already past", async () => {
    let called = false;
    armDeadline(Date.now() - 50, () => {
      called = true;
    });
    expect(called).toBe(false);
    await new Promise((r) => setTimeout(r, 5));
    expect(called).toBe(true);
  });

  it("does nothing once cancelled, also after a re-arm", async () => {
    const clock = scriptedClock([990, 999, 999, 999]);
    let called = false;
    const cancel = armDeadline(
      1000,
      () => {
        called = true;
      },
      clock.now,
    );
    // Let the first timer fire and re-arm (clock 1 ms short), then cancel the re-armed timer.
    await new Promise((r) => setTimeout(r, 15));
    expect(clock.calls()).toBeGreaterThanOrEqual(2);
    cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toBe(false);
  });
});
