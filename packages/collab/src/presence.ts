import { EventEmitter } from "node:events";
import { parseEndpoint } from "./endpoint.js";
import { CollabError } from "./errors.js";
import type { PeerRef } from "./identity.js";
import type { Messenger } from "./messenger.js";
import type { OpenedMessage } from "./messages.js";

/** What a person says about their availability. */
export type PresenceState = "online" | "away" | "busy" | "offline";
const STATES = new Set<string>(["online", "away", "busy", "offline"]);
/** Longest presence note, characters. */
export const MAX_NOTE = 256;

/** A published status. `seq` orders updates from one publisher. */
export interface PresenceStatus {
  readonly state: PresenceState;
  readonly note: string;
  readonly seq: number;
}

/** Options of the presence service. */
export interface PresenceOptions {
  /** Most subscribers kept (default 256). */
  readonly maxSubscribers?: number;
  /** Most subscriptions held (default 256). */
  readonly maxSubscriptions?: number;
  /** Decides who may subscribe; default: anyone whose message verifies. */
  readonly allow?: (from: PeerRef) => boolean;
}

export function parseStatus(body: unknown): PresenceStatus {
  const b = body as Partial<PresenceStatus> | null;
  if (
    !b ||
    typeof b !== "object" ||
    typeof b.state !== "string" ||
    !STATES.has(b.state) ||
    typeof b.note !== "string" ||
    b.note.length > MAX_NOTE ||
    typeof b.seq !== "number" ||
    !Number.isSafeInteger(b.seq)
  ) {
    throw new CollabError("Malformed", "not a presence status");
  }
  return { state: b.state, note: b.note, seq: b.seq };
}

interface Subscriber {
  peer: PeerRef;
  failures: number;
}

/**
 * Presence: publish one's status; subscribe to others'. A subscriber asks the
 * publisher directly (signed `presence-subscribe`), gets the current status in
 * the reply, and from then on the publisher pushes every change
 * (`presence-status`) to the endpoints the subscriber announced. Event:
 * `changed(peer, status)` for every new status of someone we subscribe to.
 */
export class PresenceService extends EventEmitter {
  private current: PresenceStatus;
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly subscriptions = new Map<string, { peer: PeerRef; last?: PresenceStatus }>();
  private readonly maxSubscribers: number;
  private readonly maxSubscriptions: number;
  private readonly allow: (from: PeerRef) => boolean;

  /** @internal Built by {@link Collab}. */
  constructor(
    private readonly messenger: Messenger,
    opts: PresenceOptions = {},
  ) {
    super();
    // Sequence numbers start at the clock so a restarted publisher still counts upward.
    this.current = { state: "online", note: "", seq: Date.now() };
    this.maxSubscribers = opts.maxSubscribers ?? 256;
    this.maxSubscriptions = opts.maxSubscriptions ?? 256;
    this.allow = opts.allow ?? (() => true);
  }

  /** Our current status. */
  get status(): PresenceStatus {
    return this.current;
  }

  /** The people subscribed to us. */
  subscriberList(): PeerRef[] {
    return [...this.subscribers.values()].map((s) => s.peer);
  }

  /** The last status seen from `pin`, if subscribed. */
  statusOf(pin: string): PresenceStatus | undefined {
    return this.subscriptions.get(pin)?.last;
  }

  /**
   * Publishes a new status and pushes it to every subscriber; resolves when
   * every push was answered or failed. A subscriber that fails three pushes
   * in a row is dropped.
   */
  async publish(state: PresenceState, note = "", timeoutMs?: number): Promise<void> {
    if (!STATES.has(state)) throw new CollabError("InvalidArgument", `unknown state ${state}`);
    if (note.length > MAX_NOTE) throw new CollabError("InvalidArgument", "note too long");
    this.current = { state, note, seq: Math.max(this.current.seq + 1, Date.now()) };
    const body = { ...this.current };
    await Promise.all(
      [...this.subscribers.values()].map(async (s) => {
        try {
          await this.messenger.send(s.peer, "presence-status", body, timeoutMs);
          s.failures = 0;
        } catch {
          if (++s.failures >= 3) this.subscribers.delete(s.peer.pin);
        }
      }),
    );
  }

  /** Subscribes to `peer`'s presence; resolves to their current status. */
  async subscribe(peer: PeerRef): Promise<PresenceStatus> {
    if (!this.subscriptions.has(peer.pin) && this.subscriptions.size >= this.maxSubscriptions) {
      throw new CollabError("QuotaExceeded", "too many subscriptions");
    }
    this.subscriptions.set(peer.pin, { peer });
    const reply = await this.messenger.send(peer, "presence-subscribe", {});
    const status = parseStatus(reply.body);
    this.note(peer, status);
    return status;
  }

  /** Ends a subscription (and tells the publisher, best effort). */
  async unsubscribe(peer: PeerRef): Promise<void> {
    if (!this.subscriptions.delete(peer.pin)) return;
    await this.messenger.send(peer, "presence-unsubscribe", {}).catch(() => undefined);
  }

  /** @internal Handles a presence message; returns the reply body and type. */
  handle(
    msg: OpenedMessage,
    remoteAddress: string,
  ): { type: "ack" | "presence-status"; body: unknown } {
    switch (msg.type) {
      case "presence-subscribe": {
        if (!this.allow(msg.from)) throw new CollabError("Refused", "not allowed to subscribe");
        // Updates go to the endpoints the subscriber names. Only those on the
        // address the request came from are used, so nobody can point our
        // pushes at a third party.
        const endpoints = msg.from.endpoints.filter((e) => parseEndpoint(e).host === remoteAddress);
        if (endpoints.length === 0) {
          throw new CollabError(
            "Refused",
            "subscriber endpoints are not on the requesting address",
          );
        }
        if (!this.subscribers.has(msg.from.pin) && this.subscribers.size >= this.maxSubscribers) {
          throw new CollabError("QuotaExceeded", "too many subscribers");
        }
        this.subscribers.set(msg.from.pin, { peer: { ...msg.from, endpoints }, failures: 0 });
        return { type: "presence-status", body: { ...this.current } };
      }
      case "presence-unsubscribe":
        this.subscribers.delete(msg.from.pin);
        return { type: "ack", body: {} };
      default: {
        const status = parseStatus(msg.body);
        const sub = this.subscriptions.get(msg.from.pin);
        if (!sub) throw new CollabError("Refused", "not subscribed");
        this.note(sub.peer, status);
        return { type: "ack", body: {} };
      }
    }
  }

  private note(peer: PeerRef, status: PresenceStatus): void {
    const sub = this.subscriptions.get(peer.pin);
    if (!sub) return;
    // Pushes may overtake each other on separate connections: keep the newest only.
    if (sub.last && status.seq <= sub.last.seq) return;
    sub.last = status;
    this.emit("changed", sub.peer, status);
  }

  /** @internal Tells subscribers we go offline. */
  async goOffline(): Promise<void> {
    // Short deadline: a departed subscriber must not hold up closing.
    if (this.current.state !== "offline") await this.publish("offline", this.current.note, 2000);
  }
}
