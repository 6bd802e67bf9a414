/** Polls until `cond` holds; fails with `label` after `ms` (bounded loop). */
export async function until(cond: () => boolean, label: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A UDP port unlikely to collide with other tests on this machine. */
export function randomPort(): number {
  return 40000 + Math.floor(Math.random() * 20000);
}
