import * as dgram from "node:dgram";
import { EventEmitter } from "node:events";
import { isIPv4 } from "node:net";
import { checkEndpoints } from "./endpoint.js";
import { CollabError } from "./errors.js";
import {
  checkCertificate,
  checkDisplayName,
  type PeerRef,
  type Person,
  signDocument,
  verifyDocument,
} from "./identity.js";

/** Default multicast group: in the IPv4 organization-local scope (RFC 2365), never routed off site. */
export const DEFAULT_PNM_GROUP = "239.255.80.67";
/** Default UDP port of People Near Me announcements. */
export const DEFAULT_PNM_PORT = 47830;

/** Someone seen nearby. */
export interface NearbyPerson extends PeerRef {
  /** When their current announcement stops being valid, ms since the epoch. */
  readonly expires: number;
  /** Source address of the last announcement. */
  readonly address: string;
}

/** Options of {@link PeopleNearMe}. */
export interface PeopleNearMeOptions {
  readonly person: Person;
  /** Our collaboration endpoints, announced to others. */
  readonly endpoints: readonly string[];
  /** Multicast group (IPv4). Default {@link DEFAULT_PNM_GROUP}. */
  readonly group?: string;
  /** UDP port. Default {@link DEFAULT_PNM_PORT}. */
  readonly port?: number;
  /** Local IPv4 address of the interface to announce and listen on; default: the OS's choice. */
  readonly interface?: string;
  /** How often to announce, ms (default 10 000). */
  readonly intervalMs?: number;
  /** How long an announcement stays valid, ms (default 3 × interval). */
  readonly lifetimeMs?: number;
  /** Announcements claiming a longer life than this are refused, ms (default 10 minutes). */
  readonly maxLifetimeMs?: number;
  /** Largest datagram processed, bytes (default 8192). */
  readonly maxDatagram?: number;
  /** Most people kept in the table (default 256); newcomers are ignored beyond it. */
  readonly maxPeople?: number;
  /** Most datagrams verified per second (default 200); the rest are dropped unread. */
  readonly maxPerSecond?: number;
  /** Most datagrams verified per second from one source address (default 20). */
  readonly maxPerSourcePerSecond?: number;
}

/** Why an announcement was dropped. */
export type PnmRejection = "malformed" | "bad-signature" | "expired" | "rate" | "full" | "oversize";

/** Counters of a {@link PeopleNearMe}. */
export interface PnmStats {
  received: number;
  accepted: number;
  sent: number;
  rejected: Record<PnmRejection, number>;
}

interface Entry {
  person: NearbyPerson;
  issued: number;
  sig: string;
}

/** The signed body of an announcement (everything but `sig`). */
interface Announcement {
  kind: "prch-pnm";
  v: 1;
  name: string;
  cert: string;
  endpoints: string[];
  issued: number;
  expires: number;
  /** Set when the person is leaving. */
  bye?: true;
}

/**
 * Builds a signed announcement datagram. Exported for tools and tests that
 * need to speak the format (e.g. to check that forgeries are ignored).
 */
export function createAnnouncement(
  person: Person,
  endpoints: readonly string[],
  issued: number,
  lifetimeMs: number,
  bye = false,
): Buffer {
  const a: Announcement = {
    kind: "prch-pnm",
    v: 1,
    name: person.displayName,
    cert: person.identity.certificatePem,
    endpoints: [...endpoints],
    issued,
    expires: bye ? issued : issued + lifetimeMs,
    ...(bye ? { bye: true as const } : {}),
  };
  const sig = signDocument(person.identity.privateKeyPem, "pnm", a);
  return Buffer.from(JSON.stringify({ ...a, sig }), "utf8");
}

/**
 * People Near Me: announces this person by UDP multicast (TTL 1, so never
 * past the local subnet) and keeps a table of the people it hears, each
 * announcement signed with the sender's certificate key and valid until its
 * expiry. Events: `appeared`, `updated`, `disappeared` (with the person),
 * and `rejected` (reason, source address) for dropped datagrams.
 */
export class PeopleNearMe extends EventEmitter {
  private readonly opts: Required<Omit<PeopleNearMeOptions, "interface">> & { interface?: string };
  private readonly table = new Map<string, Entry>();
  private socket: dgram.Socket | undefined;
  private announceTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private replyTimer: NodeJS.Timeout | undefined;
  private endpoints: string[];
  private windowStart = 0;
  private windowCount = 0;
  private readonly perSource = new Map<string, number>();
  private closed = false;
  readonly statistics: PnmStats = {
    received: 0,
    accepted: 0,
    sent: 0,
    rejected: { malformed: 0, "bad-signature": 0, expired: 0, rate: 0, full: 0, oversize: 0 },
  };

  constructor(options: PeopleNearMeOptions) {
    super();
    const intervalMs = options.intervalMs ?? 10_000;
    this.opts = {
      person: options.person,
      endpoints: options.endpoints,
      group: options.group ?? DEFAULT_PNM_GROUP,
      port: options.port ?? DEFAULT_PNM_PORT,
      interface: options.interface,
      intervalMs,
      lifetimeMs: options.lifetimeMs ?? 3 * intervalMs,
      maxLifetimeMs: options.maxLifetimeMs ?? 10 * 60_000,
      maxDatagram: options.maxDatagram ?? 8192,
      maxPeople: options.maxPeople ?? 256,
      maxPerSecond: options.maxPerSecond ?? 200,
      maxPerSourcePerSecond: options.maxPerSourcePerSecond ?? 20,
    };
    if (!isIPv4(this.opts.group)) throw new CollabError("InvalidArgument", "group must be IPv4");
    if (this.opts.interface !== undefined && !isIPv4(this.opts.interface)) {
      throw new CollabError("InvalidArgument", "interface must be a local IPv4 address");
    }
    this.endpoints = [...options.endpoints];
  }

  /** Joins the group, announces at once and then every interval. */
  start(): Promise<void> {
    const s = dgram.createSocket({ type: "udp4", reuseAddr: true });
    this.socket = s;
    s.on("message", (msg, rinfo) => this.receive(msg, rinfo.address));
    s.on("error", (e) => this.emit("warning", e));
    return new Promise((resolve, reject) => {
      s.once("error", reject);
      s.bind(this.opts.port, () => {
        s.off("error", reject);
        try {
          s.addMembership(this.opts.group, this.opts.interface);
          if (this.opts.interface) s.setMulticastInterface(this.opts.interface);
          // TTL 1: announcements stay on the local link, as People Near Me's do.
          s.setMulticastTTL(1);
          s.setMulticastLoopback(true);
        } catch (e) {
          s.close();
          reject(new CollabError("Unreachable", `cannot join ${this.opts.group}`, { cause: e }));
          return;
        }
        this.announce();
        this.announceTimer = setInterval(() => this.announce(), this.opts.intervalMs);
        this.sweepTimer = setInterval(() => this.sweep(), 1000);
        this.announceTimer.unref();
        this.sweepTimer.unref();
        resolve();
      });
    });
  }

  /** Changes the announced endpoints and announces them right away. */
  setEndpoints(endpoints: readonly string[]): void {
    this.endpoints = [...endpoints];
    this.announce();
  }

  /** The people currently nearby (unexpired), ourselves excluded. */
  nearby(): NearbyPerson[] {
    const now = Date.now();
    return [...this.table.values()].filter((e) => e.person.expires > now).map((e) => e.person);
  }

  /** Sends a goodbye announcement and leaves the group. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.announceTimer);
    clearInterval(this.sweepTimer);
    clearTimeout(this.replyTimer);
    const s = this.socket;
    if (!s) return;
    const bye = createAnnouncement(this.opts.person, this.endpoints, Date.now(), 0, true);
    await new Promise<void>((resolve) =>
      s.send(bye, this.opts.port, this.opts.group, () => resolve()),
    );
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private announce(): void {
    if (this.closed || !this.socket) return;
    const data = createAnnouncement(
      this.opts.person,
      this.endpoints,
      Date.now(),
      this.opts.lifetimeMs,
    );
    this.statistics.sent++;
    this.socket.send(data, this.opts.port, this.opts.group, (e) => {
      if (e) this.emit("warning", e);
    });
  }

  private reject(reason: PnmRejection, address: string): false {
    this.statistics.rejected[reason]++;
    this.emit("rejected", reason, address);
    return false;
  }

  /** Handles one datagram; true when it added or refreshed someone. */
  private receive(msg: Buffer, address: string): boolean {
    this.statistics.received++;
    const now = Date.now();
    if (msg.length > this.opts.maxDatagram) return this.reject("oversize", address);
    // A fixed one-second window bounds how much signature checking a flood can cost us.
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
      this.perSource.clear();
    }
    if (++this.windowCount > this.opts.maxPerSecond) return this.reject("rate", address);
    // One noisy host must not use up everyone's share. The map holds at most
    // maxPerSecond addresses, as it only grows while the global budget lasts.
    const fromSource = (this.perSource.get(address) ?? 0) + 1;
    this.perSource.set(address, fromSource);
    if (fromSource > this.opts.maxPerSourcePerSecond) return this.reject("rate", address);

    let a: Partial<Announcement> & { sig?: unknown };
    try {
      a = JSON.parse(msg.toString("utf8"));
    } catch {
      return this.reject("malformed", address);
    }
    if (
      !a ||
      typeof a !== "object" ||
      a.kind !== "prch-pnm" ||
      a.v !== 1 ||
      typeof a.issued !== "number" ||
      typeof a.expires !== "number" ||
      typeof a.sig !== "string" ||
      (a.bye !== undefined && a.bye !== true)
    ) {
      return this.reject("malformed", address);
    }
    let pin: string;
    let displayName: string;
    let endpoints: string[];
    try {
      displayName = checkDisplayName(a.name);
      endpoints = checkEndpoints(a.endpoints);
      pin = checkCertificate(a.cert, now);
    } catch (e) {
      return this.reject(
        e instanceof CollabError && e.code === "Expired" ? "expired" : "malformed",
        address,
      );
    }
    if (pin === this.opts.person.pin) return false; // our own, looped back
    const known = this.table.get(pin);
    if (known && known.sig === a.sig) return false; // the same announcement again (two paths)
    const { sig, ...unsigned } = a;
    if (!verifyDocument(a.cert as string, "pnm", unsigned, sig as string)) {
      return this.reject("bad-signature", address);
    }
    if (a.bye) {
      if (known && a.issued >= known.issued) {
        this.table.delete(pin);
        this.emit("disappeared", known.person, "left");
      }
      return false;
    }
    if (
      a.expires <= now ||
      a.expires < a.issued ||
      a.expires - a.issued > this.opts.maxLifetimeMs ||
      a.issued > now + this.opts.maxLifetimeMs
    ) {
      return this.reject("expired", address);
    }
    // Never go back to an older announcement (a replay of a captured one).
    if (known && a.issued <= known.issued) return false;
    if (!known && this.table.size >= this.opts.maxPeople) return this.reject("full", address);
    const person: NearbyPerson = {
      displayName,
      certificatePem: a.cert as string,
      endpoints,
      pin,
      expires: a.expires,
      address,
    };
    this.table.set(pin, { person, issued: a.issued, sig: a.sig });
    this.statistics.accepted++;
    if (known) this.emit("updated", person);
    else {
      this.emit("appeared", person);
      this.announceSoon();
    }
    return true;
  }

  /** A newcomer should not wait a whole interval to hear about us; at most one early announcement per second. */
  private announceSoon(): void {
    if (this.replyTimer || this.closed) return;
    this.replyTimer = setTimeout(
      () => {
        this.replyTimer = undefined;
        this.announce();
      },
      100 + Math.floor(Math.random() * 400),
    );
    this.replyTimer.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [pin, e] of this.table) {
      if (e.person.expires <= now) {
        this.table.delete(pin);
        this.emit("disappeared", e.person, "expired");
      }
    }
  }
}
