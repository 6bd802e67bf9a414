import {
  BinaryMessageEncoder,
  createFaultMessage,
  faultCode,
  type Message,
  SoapError,
} from "@prch/soap";
import { ResolverError, ResolverQuotaError } from "./errors.js";
import type { PeerNodeAddress, ResolverOperation } from "./model.js";
import { DEFAULT_RATE_LIMIT, type RateLimit, RequestRateLimiter } from "./rate-limit.js";
import type { ResolverServiceCore } from "./service-core.js";
import {
  actionNotSupportedFaultMessage,
  errorToFaultMessage,
  messageToRequest,
  operationOfAction,
  type ReplyAddressing,
  responseToMessage,
} from "./wire-mapping.js";

/** Options of {@link ResolverDispatcher}. */
export interface ResolverDispatcherOptions {
  /** Requests per connection; default {@link DEFAULT_RATE_LIMIT} (20/s, burst 40). */
  readonly rateLimit?: RateLimit;
  /**
   * Largest request message in bytes, as encoded on the wire. Default 65536, WCF's
   * MaxReceivedMessageSize (WINDOWS-NOTES §1.1); MC-PRCR requests are far smaller, so lower it
   * freely. Messages without their received bytes (built in memory) are not checked.
   */
  readonly maxRequestBytes?: number;
  /**
   * Largest reply to send, in bytes. Default 65536, the MaxReceivedMessageSize of WCF clients: a
   * ResolveResponse above it would make a Windows client drop the session, so Resolve returns
   * fewer addresses instead (registrations with many IP addresses make each one large).
   */
  readonly maxReplyBytes?: number;
  /**
   * Requests refused for rate on one connection before the dispatcher asks for the connection
   * to be dropped ({@link ConnectionState.abort}). Default 100.
   */
  readonly maxRefusals?: number;
  /** Clock in milliseconds for the rate limiter. Default Date.now. */
  readonly now?: () => number;
}

/** Per-connection state the host keeps next to each connection and passes to every call. */
export class ConnectionState {
  /** This connection's token bucket. */
  readonly limiter: RequestRateLimiter;
  /** Requests seen on this connection. */
  requests = 0;
  /** Requests refused for rate on this connection. */
  refused = 0;
  /** Set when the connection misbehaves enough that the host should close it. */
  abort = false;

  constructor(now: number, limit: RateLimit) {
    this.limiter = new RequestRateLimiter(now, limit);
  }
}

/** Wire-level counters of a dispatcher (the core counts per-operation requests and faults). */
export interface DispatcherCounters {
  /** Messages handed to {@link ResolverDispatcher.handle}. */
  readonly messages: number;
  /** Replies sent (not faults). */
  readonly replies: number;
  /** Faults sent, for any reason. */
  readonly faults: number;
  /** Requests refused by the per-connection rate limit. */
  readonly rateLimited: number;
  /** Requests above `maxRequestBytes`. */
  readonly oversize: number;
  /** Requests whose action the contract lacks. */
  readonly actionNotSupported: number;
  /** Requests whose body or headers did not parse. */
  readonly malformed: number;
  /** Messages that were not requests (replies, faults) and were dropped. */
  readonly ignored: number;
  /** Resolve replies cut short to fit `maxReplyBytes`. */
  readonly trimmed: number;
}

/**
 * The service's transport-independent half: one received SOAP message in, the reply (or a fault)
 * out. Uses a {@link ResolverServiceCore} for the operations and adds what belongs to the wire:
 * request size, per-connection rate, mustUnderstand, ActionNotSupported, MessageID/RelatesTo.
 *
 * Faults follow WCF rather than MC-PRCR §3.2.5, which says to abort the connection: a WCF service
 * answers a failed operation with a fault and keeps the session, and a Windows client treats
 * either as a failed request.
 */
export class ResolverDispatcher {
  /** The operations behind the wire. */
  readonly core: ResolverServiceCore;
  /** Per-connection request rate (see {@link ResolverDispatcherOptions}). */
  readonly rateLimit: RateLimit;
  /** Largest request accepted, in bytes. */
  readonly maxRequestBytes: number;
  /** Largest reply sent, in bytes (Resolve returns fewer addresses to stay below). */
  readonly maxReplyBytes: number;
  /** Rate refusals on one connection before it should be dropped. */
  readonly maxRefusals: number;
  readonly #now: () => number;
  #messages = 0;
  #replies = 0;
  #faults = 0;
  #rateLimited = 0;
  #oversize = 0;
  #actionNotSupported = 0;
  #malformed = 0;
  #ignored = 0;
  #trimmed = 0;

  constructor(core: ResolverServiceCore, options: ResolverDispatcherOptions = {}) {
    this.core = core;
    this.rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.maxRequestBytes = options.maxRequestBytes ?? 65536;
    this.maxReplyBytes = options.maxReplyBytes ?? 65536;
    this.maxRefusals = options.maxRefusals ?? 100;
    this.#now = options.now ?? Date.now;
    if (!(this.maxRequestBytes > 0) || !(this.maxReplyBytes >= 4096) || !(this.maxRefusals >= 0)) {
      throw new ResolverError(
        "BadConfig",
        "maxRequestBytes and maxRefusals must be positive, maxReplyBytes at least 4096",
      );
    }
    // Validates the limit now rather than on the first connection.
    new RequestRateLimiter(0, this.rateLimit);
  }

  /** State for a new connection. */
  createConnectionState(): ConnectionState {
    return new ConnectionState(this.#now(), this.rateLimit);
  }

  /**
   * Handle one received message. Resolves to the reply or fault to send back on the same
   * connection, or null when the message is not a request (a stray reply or fault). Never
   * rejects: every failure becomes a fault.
   */
  async handle(message: Message, state: ConnectionState): Promise<Message | null> {
    this.#messages++;
    state.requests++;
    const op = operationOfAction(message.action);
    if (op === undefined && message.relatesTo !== undefined) {
      // A reply or fault relating to something we never asked: nothing to answer.
      this.#ignored++;
      return null;
    }
    const reply: ReplyAddressing = {
      version: message.version,
      ...(message.messageId !== undefined ? { relatesTo: message.messageId } : {}),
      // A non-anonymous ReplyTo cannot be honoured on net.tcp without a callback channel; the
      // reply goes back on the session either way, addressed as the caller asked.
      ...(message.replyTo !== undefined ? { to: message.replyTo.uri } : {}),
    };
    const size = message.source?.bytes.length;
    if (size !== undefined && size > this.maxRequestBytes) {
      this.#oversize++;
      return this.#fault(new ResolverQuotaError("maxRequestBytes", this.maxRequestBytes), reply);
    }
    if (!state.limiter.take(this.#now())) {
      this.#rateLimited++;
      state.refused++;
      if (state.refused > this.maxRefusals) state.abort = true;
      return this.#fault(
        new ResolverQuotaError("requestRate", this.rateLimit.requestsPerSecond),
        reply,
      );
    }
    if (op === undefined) {
      this.#actionNotSupported++;
      this.#faults++;
      return actionNotSupportedFaultMessage(message.action, reply);
    }
    return this.#dispatch(op, message, reply);
  }

  async #dispatch(
    op: ResolverOperation,
    message: Message,
    reply: ReplyAddressing,
  ): Promise<Message> {
    let request: ReturnType<typeof messageToRequest>;
    try {
      request = messageToRequest(message);
      // WCF checks mustUnderstand after reading the body; no header but addressing is ours.
      message.checkMustUnderstand();
    } catch (e) {
      this.#malformed++;
      if (e instanceof SoapError && e.code === "must-understand") {
        this.#faults++;
        return createFaultMessage(
          {
            code: faultCode("MustUnderstand", message.version),
            reasons: [{ text: e.message, lang: "en-US" }],
          },
          {
            version: message.version,
            ...(reply.to !== undefined ? { to: reply.to } : {}),
            ...(reply.relatesTo !== undefined ? { relatesTo: reply.relatesTo } : {}),
          },
        );
      }
      return this.#fault(e, reply);
    }
    try {
      let response = await this.core.handle(request);
      if (response.operation !== op) throw new ResolverError("StoreFailure", "operation mismatch");
      if (response.operation === "Resolve") {
        const Addresses = this.#fitReply(response.body.Addresses, reply);
        if (Addresses !== response.body.Addresses) {
          this.#trimmed++;
          response = { operation: "Resolve", body: { Addresses } };
        }
      }
      const out = responseToMessage(response, reply);
      this.#replies++;
      return out;
    } catch (e) {
      return this.#fault(e, reply);
    }
  }

  /**
   * The addresses of a ResolveResponse that fit in {@link ResolverDispatcher.maxReplyBytes}.
   * Sizes are measured on a fresh MC-NBFSE session, never on the connection's own dictionaries;
   * small replies are not measured at all.
   */
  #fitReply(
    addresses: readonly PeerNodeAddress[],
    reply: ReplyAddressing,
  ): readonly PeerNodeAddress[] {
    // About 150 bytes per address plus its URI, 80 per IP address (measured).
    let rough = 1024;
    for (const a of addresses) rough += 150 + a.EndpointAddress.length + 80 * a.IPAddresses.length;
    const limit = this.maxReplyBytes - 512;
    if (rough <= limit / 2) return addresses;
    // A fresh session dictionary for each measurement: every string goes into its StringTable
    // once, as on a new connection; an older connection already knows some and writes less.
    const measure = (list: readonly PeerNodeAddress[]) =>
      new BinaryMessageEncoder({ session: true, quotas: { maxDocumentSize: 1 << 24 } }).encode(
        responseToMessage({ operation: "Resolve", body: { Addresses: list } }, reply),
      ).length;
    let list = addresses;
    // Each pass scales the list down by the overshoot; bounded because it shrinks every time.
    for (let i = 0; i < 16 && list.length > 0; i++) {
      const size = measure(list);
      if (size <= limit) return list;
      const keep = Math.min(list.length - 1, Math.floor((list.length * limit) / size));
      list = list.slice(0, Math.max(0, keep));
    }
    return list;
  }

  #fault(error: unknown, reply: ReplyAddressing): Message {
    this.#faults++;
    return errorToFaultMessage(error, reply);
  }

  /** A snapshot of the wire-level counters. */
  counters(): DispatcherCounters {
    return {
      messages: this.#messages,
      replies: this.#replies,
      faults: this.#faults,
      rateLimited: this.#rateLimited,
      oversize: this.#oversize,
      actionNotSupported: this.#actionNotSupported,
      malformed: this.#malformed,
      ignored: this.#ignored,
      trimmed: this.#trimmed,
    };
  }
}
