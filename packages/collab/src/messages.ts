import { randomUUID } from "node:crypto";
import { checkEndpoints } from "./endpoint.js";
import { CollabError } from "./errors.js";
import {
  checkCertificate,
  checkDisplayName,
  MAX_CERTIFICATE_PEM,
  type PeerRef,
  type Person,
  signDocument,
  verifyDocument,
} from "./identity.js";

/** How far a message's timestamp may be from our clock, ms (clock skew between people). */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** The message types spoken between collaboration endpoints. */
export type MessageType =
  | "ack"
  | "error"
  | "host-request"
  | "invite"
  | "invite-response"
  | "invite-cancel"
  | "session-start"
  | "presence-subscribe"
  | "presence-unsubscribe"
  | "presence-status";

/**
 * A signed message between two people (one frame). The signature covers
 * every field but `sig`, including the recipient's pin, so a message cannot
 * be redirected to someone else, and the id, remembered for replay checks.
 */
export interface Envelope {
  readonly kind: "prch-collab-msg";
  readonly v: 1;
  readonly type: MessageType;
  readonly from: {
    readonly name: string;
    readonly cert: string;
    readonly endpoints: string[];
    /** Issuer certificates of `cert`, nearest first (at most 4); omitted when self-signed. */
    readonly chain?: string[];
  };
  /** Recipient's SPKI pin. */
  readonly to: string;
  /** Sender's clock, ms since the epoch. */
  readonly ts: number;
  readonly id: string;
  /** For replies: the id of the request. */
  readonly re?: string;
  readonly body: unknown;
  readonly sig: string;
}

/** A verified incoming message. */
export interface OpenedMessage {
  readonly type: MessageType;
  readonly id: string;
  readonly re: string | undefined;
  readonly from: PeerRef;
  readonly body: unknown;
}

/** Builds and signs an envelope. */
export function createEnvelope(
  person: Person,
  endpoints: readonly string[],
  toPin: string,
  type: MessageType,
  body: unknown,
  re?: string,
  now = Date.now(),
): Envelope {
  const unsigned = {
    kind: "prch-collab-msg" as const,
    v: 1 as const,
    type,
    from: {
      name: person.displayName,
      cert: person.identity.certificatePem,
      endpoints: [...endpoints],
      chain: person.identity.chainPem.length > 0 ? [...person.identity.chainPem] : undefined,
    },
    to: toPin,
    ts: now,
    id: randomUUID(),
    re,
    body,
  };
  return { ...unsigned, sig: signDocument(person.identity.privateKeyPem, "msg", unsigned) };
}

/**
 * Remembers message ids for the skew window so a captured message cannot be
 * played again. Bounded: when full of live ids, new messages are refused.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly capacity = 4096) {}

  /** Records `id` until `until`; false if it was already seen or the cache is full. */
  add(id: string, until: number, now: number): boolean {
    if (this.seen.has(id)) return false;
    if (this.seen.size >= this.capacity) {
      for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
      if (this.seen.size >= this.capacity) return false;
    }
    this.seen.set(id, until);
    return true;
  }
}

const TYPES = new Set<string>([
  "ack",
  "error",
  "host-request",
  "invite",
  "invite-response",
  "invite-cancel",
  "session-start",
  "presence-subscribe",
  "presence-unsubscribe",
  "presence-status",
]);

/** Checks for {@link openEnvelope}. */
export interface OpenOptions {
  /** Our own pin: the message must be addressed to it. */
  readonly selfPin: string;
  readonly now: number;
  readonly replay: ReplayCache;
  readonly maxSkewMs?: number;
}

/**
 * Verifies an envelope read from the network: shape, the sender's certificate
 * validity, the signature with that certificate's key, the recipient, the
 * timestamp window and the replay cache. Throws CollabError otherwise.
 */
export function openEnvelope(raw: unknown, opts: OpenOptions): OpenedMessage {
  const e = raw as Partial<Record<keyof Envelope, unknown>> | null;
  if (
    !e ||
    typeof e !== "object" ||
    e.kind !== "prch-collab-msg" ||
    e.v !== 1 ||
    typeof e.type !== "string" ||
    !TYPES.has(e.type) ||
    typeof e.to !== "string" ||
    typeof e.ts !== "number" ||
    typeof e.id !== "string" ||
    e.id.length > 64 ||
    (e.re !== undefined && (typeof e.re !== "string" || e.re.length > 64)) ||
    typeof e.sig !== "string" ||
    !e.from ||
    typeof e.from !== "object"
  ) {
    throw new CollabError("Malformed", "not a collaboration message");
  }
  const from = e.from as Record<string, unknown>;
  const displayName = checkDisplayName(from.name);
  const endpoints = checkEndpoints(from.endpoints);
  const pin = checkCertificate(from.cert, opts.now);
  const certificatePem = from.cert as string;
  const chain = from.chain;
  if (
    chain !== undefined &&
    (!Array.isArray(chain) ||
      chain.length > 4 ||
      !chain.every((c) => typeof c === "string" && c.length <= MAX_CERTIFICATE_PEM))
  ) {
    throw new CollabError("Malformed", "bad certificate chain");
  }
  const { sig, ...unsigned } = e;
  if (!verifyDocument(certificatePem, "msg", unsigned, sig as string)) {
    throw new CollabError("BadSignature", "message signature does not match the sender's key");
  }
  if (e.to !== opts.selfPin) throw new CollabError("Refused", "message addressed to someone else");
  const skew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(opts.now - e.ts) > skew)
    throw new CollabError("Expired", "message timestamp out of window");
  if (!opts.replay.add(`${pin}/${e.id}`, e.ts + skew, opts.now)) {
    throw new CollabError("Refused", "message replayed (or replay cache full)");
  }
  return {
    type: e.type as MessageType,
    id: e.id,
    re: e.re as string | undefined,
    from: {
      displayName,
      certificatePem,
      endpoints,
      pin,
      chainPem: (chain as string[] | undefined) ?? [],
    },
    body: e.body,
  };
}
