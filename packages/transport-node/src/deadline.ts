/**
 * Calls `onDue` once `now()` has reached `deadline`; returns a function that
 * cancels it.
 *
 * Node's timers run on a monotonic clock and can fire a millisecond or so
 * before `Date.now()` reaches the instant they were set for. A sans-IO
 * machine asked "has the deadline passed?" with `Date.now()` at that moment
 * says no and asks for nothing more, and a handshake waiting on it would wait
 * forever. So the timer is re-armed until the clock agrees. `onDue` never
 * runs synchronously, even for a deadline already past.
 */
export function armDeadline(
  deadline: number,
  onDue: () => void,
  now: () => number = Date.now,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    timer = setTimeout(check, ms);
    timer.unref();
  };
  const check = () => {
    const left = deadline - now();
    if (left > 0) {
      arm(left);
      return;
    }
    timer = undefined;
    onDue();
  };
  arm(Math.max(0, deadline - now()));
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}
