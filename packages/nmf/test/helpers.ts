import type { NmfEvent, NmfSession } from "../src/index.js";

/** Result of running two sessions against each other in memory. */
export interface PipeLog {
  a: NmfEvent[];
  b: NmfEvent[];
}

/**
 * Moves bytes between two sessions until neither has output. Upgrades are
 * "performed" as the identity (no real TLS): each side calls
 * upgradeComplete() as soon as it reports the upgrade.
 */
export function pump(a: NmfSession, b: NmfSession, log: PipeLog = { a: [], b: [] }): PipeLog {
  const handle = (s: NmfSession, events: NmfEvent[], into: NmfEvent[]) => {
    for (const e of events) {
      into.push(e);
      if (e.type === "upgradeRequested" || e.type === "upgradeAccepted") {
        // The peer's output so far was flushed before; finish at once.
        pending.push(s);
      }
    }
  };
  const pending: NmfSession[] = [];
  for (let round = 0; round < 100; round++) {
    let moved = false;
    if (a.hasOutput) {
      handle(b, b.receive(a.takeOutput()), log.b);
      moved = true;
    }
    if (b.hasOutput) {
      handle(a, a.receive(b.takeOutput()), log.a);
      moved = true;
    }
    while (pending.length > 0) {
      const s = pending.shift()!;
      if (s.hasOutput) {
        // Flush this side's output (the Upgrade Response) before upgrading.
        const other = s === a ? b : a;
        handle(other, other.receive(s.takeOutput()), other === a ? log.a : log.b);
      }
      handle(s, s.upgradeComplete(), s === a ? log.a : log.b);
      moved = true;
    }
    if (!moved) return log;
  }
  throw new Error("pump did not settle");
}

export function types(events: NmfEvent[]): string[] {
  return events.map((e) => e.type);
}
