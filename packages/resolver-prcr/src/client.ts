import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { EventEmitter } from "node:events";
import { isIP } from "node:net";
import { type Message, type SoapFault, tryReadFault } from "@prch/soap";
import {
  type ConnectorTls,
  connectNetTcp,
  MessageChannel,
  TransportError,
} from "@prch/transport-node";
import {
  type ResolverClientAction,
  ResolverClientCore,
  type ResolverClientOptions as CoreOptions,
  type ResolverClientTimer,
} from "./client-core.js";
import { ResolverError } from "./errors.js";
import type {
  Guid,
  PeerNodeAddress,
  RefreshResponseInfo,
  RegisterResponse,
  ResolverRequest,
  ResolverResponse,
  TimeSpan,
} from "./model.js";
import { faultToError, messageToResponse, requestToMessage } from "./wire-mapping.js";

/** Options of {@link ResolverClient}. */
export interface ResolverClientConnectOptions extends CoreOptions {
  /** The service's net.tcp address, e.g. `net.tcp://resolver.example:8089/resolver`. */
  readonly address: string;
  /**
   * IP addresses to connect to. Default: the address's host if it is an IP literal, else what
   * DNS returns for it.
   */
  readonly ipAddresses?: readonly string[];
  /** Secure the session with the `application/ssl-tls` upgrade. */
  readonly tls?: ConnectorTls;
  /** Budget for opening a connection. Default 60 000 ms (WINDOWS-NOTES §1.4 ConnectTimeout). */
  readonly connectTimeoutMs?: number;
  /**
   * How long {@link ResolverClient.close} waits for Unregister's (optional) reply and for a
   * Register still in flight. Default 10 000 ms; Windows allows 2 minutes (WINDOWS-NOTES §1.4).
   */
  readonly closeTimeoutMs?: number;
  /** Largest reply accepted. Default 65536. */
  readonly maxMessageSize?: number;
}

/** Events of {@link ResolverClient}, mirroring the client core's actions. */
export interface ResolverClientEvents {
  /** The service holds our registration (after Register, Update or a re-registration). */
  registered: [registrationId: Guid, lifetime: TimeSpan];
  /** A request failed; registration requests are retried by the client itself. */
  failed: [operation: string, error: ResolverError];
  /** GetServiceSettings answered; `canShareReferrals` applies the referral policy. */
  serviceSettings: [controlMeshShape: boolean, canShareReferrals: boolean];
  /** The client has closed. */
  closed: [];
}

interface InFlight {
  readonly action: string;
  readonly fail: (e: ResolverError) => void;
}

interface Waiter {
  readonly resolve: (r: ResolverResponse) => void;
  readonly reject: (e: ResolverError) => void;
}

/**
 * The resolver client on net.tcp: {@link ResolverClientCore}'s behaviour (refresh before the
 * lifetime ends, register again after RegistrationNotFound, Update on an address change,
 * Unregister on close, referral sharing from GetServiceSettings) with real timers and one
 * net.tcp session to the service, opened on demand and reopened after it fails. Requests carry a
 * fresh `urn:uuid:` MessageID and are matched to replies by RelatesTo.
 */
export class ResolverClient extends EventEmitter<ResolverClientEvents> {
  /** The sans-IO behaviour this client drives (state, timers, requests). */
  readonly core: ResolverClientCore;
  /** The service's net.tcp address. */
  readonly address: string;
  readonly #options: ResolverClientConnectOptions;
  readonly #timers = new Map<ResolverClientTimer, NodeJS.Timeout>();
  readonly #waiters = new Map<number, Waiter>();
  #registrationWaiters: { resolve: (r: RegisterResponse) => void; reject: (e: Error) => void }[] =
    [];
  #channel: MessageChannel | undefined;
  #connecting: Promise<MessageChannel> | undefined;
  #unregisterSent: Promise<unknown> | undefined;
  #closedWaiters: (() => void)[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #inFlight = new WeakMap<MessageChannel, Map<string, InFlight>>();

  constructor(options: ResolverClientConnectOptions) {
    super();
    this.#options = options;
    this.address = options.address;
    let u: URL;
    try {
      u = new URL(options.address);
    } catch (e) {
      throw new ResolverError("BadConfig", `not a URI: ${options.address}`, { cause: e });
    }
    if (u.protocol !== "net.tcp:") {
      throw new ResolverError("BadConfig", `not a net.tcp address: ${options.address}`);
    }
    this.core = new ResolverClientCore(options);
  }

  /** This client's ClientId. */
  get clientId(): Guid {
    return this.core.ClientId;
  }

  /** The RegistrationId the service gave us, while registered. */
  get registrationId(): Guid | undefined {
    return this.core.registrationId;
  }

  /** Whether the node may share referrals (undefined until the service said, with policy Service). */
  get canShareReferrals(): boolean | undefined {
    return this.core.canShareReferrals;
  }

  /** True while a session to the service is open. */
  get connected(): boolean {
    return this.#channel?.isOpen === true;
  }

  /**
   * Starts the client: with referral policy `Service` (the default) this asks the service for
   * its settings; resolves once they are known (or at once for the other policies).
   */
  async open(): Promise<void> {
    const actions = this.core.open(Date.now());
    const send = actions.find((a) => a.type === "send");
    const done = send !== undefined ? this.#wait(send.requestId) : undefined;
    this.#perform(actions);
    if (done !== undefined) await done;
  }

  /**
   * Registers `address` in `meshId` and keeps it registered until {@link ResolverClient.close}.
   * Resolves with the first RegisterResponse; if that request fails the promise rejects, and
   * the client keeps retrying in the background (MC-PRCR §1.3.4).
   */
  async register(meshId: string, address: PeerNodeAddress): Promise<RegisterResponse> {
    const actions = this.core.register(meshId, address, Date.now());
    const p = this.#nextRegistration();
    this.#perform(actions);
    return p;
  }

  /** The node's address changed: Update (MC-PRCR §3.1.4.2). Resolves when the service has it. */
  async update(address: PeerNodeAddress): Promise<RegisterResponse> {
    const actions = this.core.update(address, Date.now());
    const p = this.#nextRegistration();
    this.#perform(actions);
    return p;
  }

  /** Up to `maxAddresses` addresses in `meshId`, never our own (MC-PRCR §3.1.4.3). */
  async resolve(meshId: string, maxAddresses = 3): Promise<readonly PeerNodeAddress[]> {
    const { requestId, actions } = this.core.resolve(meshId, maxAddresses, Date.now());
    const p = this.#wait(requestId);
    this.#perform(actions);
    const r = await p;
    return r.operation === "Resolve" ? r.body.Addresses : [];
  }

  /** Asks the service for its settings (MC-PRCR §3.1.4.6, operation GetServiceInfo). */
  async getServiceSettings(): Promise<{ ControlMeshShape: boolean; canShareReferrals: boolean }> {
    const { requestId, actions } = this.core.getServiceSettings(Date.now());
    const p = this.#wait(requestId);
    this.#perform(actions);
    const r = await p;
    const ControlMeshShape = r.operation === "GetServiceInfo" && r.body.ControlMeshShape;
    return {
      ControlMeshShape,
      canShareReferrals: this.core.canShareReferrals ?? !ControlMeshShape,
    };
  }

  /**
   * Refreshes the registration now instead of waiting for the timer (MC-PRCR §3.1.4.5).
   * RegistrationNotFound makes the client register again; the result is still returned.
   */
  async refresh(): Promise<RefreshResponseInfo> {
    if (this.core.registrationId === undefined || !this.#timers.has("refresh")) {
      throw new ResolverError(
        "InvalidState",
        "not registered, or a registration request is in flight",
      );
    }
    this.#clearTimer("refresh");
    const actions = this.core.onTimer("refresh", Date.now());
    const send = actions.find((a) => a.type === "send");
    if (send === undefined || send.request.operation !== "Refresh") {
      this.#perform(actions);
      throw new ResolverError("InvalidState", "no refresh was due");
    }
    const p = this.#wait(send.requestId);
    this.#perform(actions);
    const r = await p;
    if (r.operation !== "Refresh") throw new ResolverError("Fault", "unexpected reply");
    return r.body;
  }

  /**
   * Unregisters (MC-PRCR §3.1.4.4) and closes the session. Waits at most `closeTimeoutMs` for a
   * Register in flight and for Unregister's reply, which may never come (MC-PRCR §3).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const limit = this.#options.closeTimeoutMs ?? 10_000;
    const closed = new Promise<void>((r) => this.#closedWaiters.push(r));
    this.#perform(this.core.close(Date.now()));
    await withTimeout(closed, limit);
    if (this.#unregisterSent !== undefined) await withTimeout(this.#unregisterSent, limit);
    const ch = this.#shutDown();
    if (ch !== undefined) await ch.end().catch(() => {});
    this.emit("closed");
  }

  /**
   * Drops the client at once, without Unregister: to the service this looks
   * like a crash, and the registration lapses when its lifetime runs out
   * (MC-PRCR §3.2.4.1). Pending calls reject with `Closed`. For simulating
   * failures; {@link close} is the orderly way out.
   */
  abort(): void {
    if (this.#closed || this.#closing !== undefined) return;
    this.#closing = Promise.resolve();
    this.#perform(this.core.abort());
    this.#shutDown()?.abort();
    this.emit("closed");
  }

  /** Stops timers, fails waiters and detaches the channel, which it returns. */
  #shutDown(): MessageChannel | undefined {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    const reject = new ResolverError("Closed", "resolver client closed");
    for (const w of this.#waiters.values()) w.reject(reject);
    this.#waiters.clear();
    for (const w of this.#registrationWaiters) w.reject(reject);
    this.#registrationWaiters = [];
    const ch = this.#channel;
    this.#channel = undefined;
    return ch;
  }

  #nextRegistration(): Promise<RegisterResponse> {
    return new Promise((resolve, reject) => this.#registrationWaiters.push({ resolve, reject }));
  }

  #wait(requestId: number): Promise<ResolverResponse> {
    return new Promise((resolve, reject) => this.#waiters.set(requestId, { resolve, reject }));
  }

  #perform(actions: readonly ResolverClientAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case "setTimer":
          this.#setTimer(a.timer, a.at);
          break;
        case "cancelTimer":
          this.#clearTimer(a.timer);
          break;
        case "send":
          this.#send(a.requestId, a.request);
          break;
        case "registered": {
          const ws = this.#registrationWaiters;
          this.#registrationWaiters = [];
          const body = {
            RegistrationId: a.RegistrationId,
            RegistrationLifetime: a.RegistrationLifetime,
          };
          for (const w of ws) w.resolve(body);
          this.emit("registered", a.RegistrationId, a.RegistrationLifetime);
          break;
        }
        case "failed": {
          const w = this.#waiters.get(a.requestId);
          this.#waiters.delete(a.requestId);
          w?.reject(a.error);
          if (a.operation === "Register" || a.operation === "Update") {
            const ws = this.#registrationWaiters;
            this.#registrationWaiters = [];
            for (const x of ws) x.reject(a.error);
          }
          // MC-PRCR §3.1.6.2: after a response timeout, drop the connection to the service.
          if (a.error.code === "Timeout") this.#dropChannel();
          if (this.listenerCount("failed") > 0) this.emit("failed", a.operation, a.error);
          break;
        }
        case "serviceSettings":
          this.emit("serviceSettings", a.ControlMeshShape, a.canShareReferrals);
          break;
        case "resolved": {
          const w = this.#waiters.get(a.requestId);
          this.#waiters.delete(a.requestId);
          w?.resolve({ operation: "Resolve", body: { Addresses: a.Addresses } });
          break;
        }
        case "closed":
          for (const r of this.#closedWaiters) r();
          this.#closedWaiters = [];
          break;
      }
    }
  }

  #setTimer(timer: ResolverClientTimer, at: number): void {
    this.#clearTimer(timer);
    if (this.#closed) return;
    const t = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.#perform(this.core.onTimer(timer, Date.now()));
      },
      Math.max(0, at - Date.now()),
    );
    t.unref();
    this.#timers.set(timer, t);
  }

  #clearTimer(timer: ResolverClientTimer): void {
    const t = this.#timers.get(timer);
    if (t !== undefined) clearTimeout(t);
    this.#timers.delete(timer);
  }

  #send(requestId: number, request: ResolverRequest): void {
    // A late reply after close() gave up waiting must not open a new session.
    if (this.#closed) return;
    const message = requestToMessage(request, {
      to: this.address,
      messageId: `urn:uuid:${randomUUID()}`,
    });
    const timeout = this.#options.responseTimeoutMs ?? 120_000;
    const run = async (): Promise<ResolverResponse> => {
      const channel = await this.#ensureChannel();
      const id = message.messageId as string;
      const strays = this.#inFlight.get(channel) ?? new Map<string, InFlight>();
      this.#inFlight.set(channel, strays);
      let onStray!: (e: ResolverError) => void;
      const stray = new Promise<never>((_, reject) => {
        onStray = reject;
      });
      strays.set(id, { action: message.action ?? "", fail: onStray });
      const replied = channel.request(message, timeout);
      try {
        const reply = await Promise.race([replied, stray]);
        return messageToResponse(request.operation, reply);
      } finally {
        strays.delete(id);
        // The loser of the race settles later; nobody waits for it.
        replied.catch(() => {});
      }
    };
    const attempt = run();
    if (request.operation === "Unregister") {
      // No response timer and nothing to tell the core (MC-PRCR §3.1.4.4); close() waits a while.
      this.#unregisterSent = attempt.catch(() => undefined);
      return;
    }
    attempt.then(
      (response) => {
        // The core may answer the waiter itself first (Resolve: its filtered addresses).
        this.#perform(this.core.onResponse(requestId, response, Date.now()));
        const w = this.#waiters.get(requestId);
        this.#waiters.delete(requestId);
        w?.resolve(response);
      },
      (e: unknown) => {
        this.#perform(this.core.onFailure(requestId, toResolverError(e), Date.now()));
      },
    );
  }

  #ensureChannel(): Promise<MessageChannel> {
    if (this.#channel?.isOpen) return Promise.resolve(this.#channel);
    if (this.#connecting !== undefined) return this.#connecting;
    const p = (async () => {
      const ips = this.#options.ipAddresses ?? (await hostAddresses(this.address));
      const conn = await connectNetTcp(
        { endpointAddress: this.address, ipAddresses: ips },
        {
          timeoutMs: this.#options.connectTimeoutMs ?? 60_000,
          ...(this.#options.tls !== undefined ? { tls: this.#options.tls } : {}),
          maxMessageSize: this.#options.maxMessageSize ?? 65536,
        },
      );
      const channel = new MessageChannel(conn, {
        quotas: { maxDocumentSize: this.#options.maxMessageSize ?? 65536 },
      });
      channel.on("message", (m) => this.#onStray(channel, m));
      channel.once("closed", () => {
        if (this.#channel === channel) this.#channel = undefined;
      });
      conn.resumeReading();
      this.#channel = channel;
      return channel;
    })();
    this.#connecting = p;
    const clear = () => {
      if (this.#connecting === p) this.#connecting = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /**
   * A message that is not a reply by RelatesTo. Mono's WCF service answers a failed operation with
   * a fault that carries neither RelatesTo nor the fault action (it repeats the request's action),
   * then closes the session; when exactly one request on this session can be meant, the fault
   * fails it. Anything else is dropped: a resolver service sends nothing unasked.
   */
  #onStray(channel: MessageChannel, m: Message): void {
    const strays = this.#inFlight.get(channel);
    if (strays === undefined || strays.size === 0) return;
    let fault: SoapFault | undefined;
    try {
      fault = tryReadFault(m);
    } catch {
      return;
    }
    if (fault === undefined) return;
    const all = [...strays.values()];
    const same = all.filter((f) => f.action === m.action);
    const target = same.length === 1 ? same[0] : all.length === 1 ? all[0] : undefined;
    target?.fail(faultToError(fault));
  }

  #dropChannel(): void {
    const ch = this.#channel;
    this.#channel = undefined;
    ch?.abort();
  }
}

/** IPs of the address's host: the literal itself, or DNS. */
async function hostAddresses(address: string): Promise<string[]> {
  const host = new URL(address).hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host) !== 0) return [host];
  try {
    const all = await lookup(host, { all: true });
    return all.map((a) => a.address);
  } catch (e) {
    throw new ResolverError("Fault", `cannot resolve ${host}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function toResolverError(e: unknown): ResolverError {
  if (e instanceof ResolverError) return e;
  if (e instanceof TransportError) {
    return new ResolverError(e.code === "Timeout" ? "Timeout" : "Fault", e.message, { cause: e });
  }
  return new ResolverError("Fault", String(e), { cause: e });
}

async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([
    p,
    new Promise<void>((r) => {
      t = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(t);
}
