// Test-only glue between a node:net socket and a sans-IO NMF session.
import type { Socket } from "node:net";
import type { NmfEvent, NmfSession } from "../src/index.js";

/** Drives a session over a socket and lets tests await its events in order. */
export class SocketDriver {
  readonly events: NmfEvent[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;
  socketClosed = false;

  constructor(
    readonly socket: Socket,
    readonly session: NmfSession,
    private readonly onEvent?: (e: NmfEvent, d: SocketDriver) => void,
  ) {
    socket.on("data", (b: Buffer) => this.add(session.receive(b)));
    socket.on("end", () => this.add(session.receiveEof()));
    socket.on("close", () => {
      this.socketClosed = true;
      this.add(session.receiveEof());
    });
    socket.on("error", () => {});
  }

  /** Writes whatever the session has queued. */
  flush(): void {
    if (this.session.hasOutput && !this.socket.destroyed)
      this.socket.write(this.session.takeOutput());
  }

  add(events: NmfEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      this.onEvent?.(e, this);
    }
    this.flush();
    const events_ = events;
    if (events_.some((e) => e.type === "closed")) this.socket.end();
    this.wake?.();
  }

  /** Resolves with the next event (in order of arrival); the test timeout bounds the wait. */
  async next(): Promise<NmfEvent> {
    while (this.cursor >= this.events.length) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    return this.events[this.cursor++]!;
  }

  /** Skips to the next event of the given type. */
  async nextOf<T extends NmfEvent["type"]>(type: T): Promise<Extract<NmfEvent, { type: T }>> {
    for (;;) {
      const e = await this.next();
      if (e.type === type) return e as Extract<NmfEvent, { type: T }>;
      if (e.type === "error") throw e.error;
      if (e.type === "closed" && type !== "closed") {
        throw new Error(`session closed while waiting for ${type}`);
      }
    }
  }
}
