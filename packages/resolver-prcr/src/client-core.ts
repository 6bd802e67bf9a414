import { randomUUID } from "node:crypto";
import { dropMixedScopeAddresses } from "./address-filter.js";
import { ResolverError } from "./errors.js";
import {
  type Guid,
  isGuid,
  normalizeGuid,
  type PeerNodeAddress,
  type ResolverOperation,
  type ResolverRequest,
  type ResolverResponse,
  type TimeSpan,
  timeSpanToMilliseconds,
} from "./model.js";

/**
 * Who decides whether a node shares referrals with its neighbors (System.ServiceModel
 * PeerReferralPolicy). `Service` asks the resolver: share iff ControlMeshShape is false
 * (WINDOWS-NOTES §1.7).
 */
export type ReferralPolicy = "Service" | "Share" | "DoNotShare";

/** Options of {@link ResolverClientCore}. */
export interface ResolverClientOptions {
  /** This client's ClientId (MC-PRCR §1.3.1.2). Default: a new random GUID. */
  readonly ClientId?: Guid;
  /** Default `Service`. */
  readonly referralPolicy?: ReferralPolicy;
  /** Message response timer (MC-PRCR §3.1.2.2). Default 2 minutes. */
  readonly responseTimeoutMs?: number;
  /**
   * How long before the granted lifetime ends to send Refresh. Default: a tenth of the lifetime,
   * at most one minute. Windows refreshes at the full lifetime (WINDOWS-NOTES §1.7), racing the
   * service's cleanup; pass 0 for that behaviour. MC-PRCR §3.1.2.1 says Refresh MUST come before
   * the lifetime has elapsed, so we default to a margin.
   */
  readonly refreshMarginMs?: number;
  /**
   * Bounds on the refresh interval, whatever lifetime the service grants: a hostile or broken
   * service answering 0 must not make us spin. Defaults 5 s and 24 h.
   */
  readonly minRefreshIntervalMs?: number;
  readonly maxRefreshIntervalMs?: number;
  /** Delay before retrying a Register/Update/Refresh that failed or timed out. Default 10 s. */
  readonly retryIntervalMs?: number;
}

/** Timer names used in {@link ResolverClientAction}s: `refresh`, or `response:{requestId}`. */
export type ResolverClientTimer = "refresh" | `response:${number}`;

/**
 * What the host must do after feeding the client an event. Actions come in order; perform them
 * in that order.
 */
export type ResolverClientAction =
  /**
   * Send a request. `requestId` correlates the reply: pass it to
   * {@link ResolverClientCore.onResponse} or {@link ResolverClientCore.onFailure}. For Unregister
   * the client starts no response timer (MC-PRCR §3.1.4.4) and ignores the reply.
   */
  | { readonly type: "send"; readonly requestId: number; readonly request: ResolverRequest }
  /** Arm (or re-arm) a timer; call {@link ResolverClientCore.onTimer} when `at` is reached. */
  | { readonly type: "setTimer"; readonly timer: ResolverClientTimer; readonly at: number }
  /** Disarm a timer. */
  | { readonly type: "cancelTimer"; readonly timer: ResolverClientTimer }
  /** The service holds our registration (after Register, Update or re-registration). */
  | {
      readonly type: "registered";
      readonly RegistrationId: Guid;
      readonly RegistrationLifetime: TimeSpan;
    }
  /** A Resolve completed (MC-PRCR §3.1.5.2). */
  | {
      readonly type: "resolved";
      readonly requestId: number;
      readonly Addresses: readonly PeerNodeAddress[];
    }
  /** GetServiceInfo completed (MC-PRCR §3.1.5.4); `canShareReferrals` applies the policy. */
  | {
      readonly type: "serviceSettings";
      readonly requestId: number;
      readonly ControlMeshShape: boolean;
      readonly canShareReferrals: boolean;
    }
  /**
   * A request failed: fault, transport error or response timeout. On a timeout MC-PRCR §3.1.6.2
   * says to close the connection to the service; registration requests are retried by the client
   * itself after `retryIntervalMs`.
   */
  | {
      readonly type: "failed";
      readonly requestId: number;
      readonly operation: ResolverOperation;
      readonly error: ResolverError;
    }
  /** Close finished: Unregister (if any) has been handed over; nothing more will be sent. */
  | { readonly type: "closed" };

interface Pending {
  readonly operation: ResolverOperation;
  /** True for Register/Update/Refresh: the one registration request in flight. */
  readonly registration: boolean;
}

/** Longest delay we hand to a timer: setTimeout overflows above 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The resolver client (MC-PRCR §3.1) as a state machine without I/O: feed it calls and events with
 * the current time, perform the actions it returns. One instance keeps at most one registration
 * (one mesh, one node address) alive, and serves any number of Resolve and GetServiceInfo calls.
 *
 * Behaviour, as on Windows (PeerDefaultCustomResolverClient): refresh before the lifetime ends,
 * register again after RegistrationNotFound, Update when the node's address changes, Unregister on
 * close, and referral sharing decided by GetServiceSettings. Only one registration request is in
 * flight at a time; an address change during one is sent as an Update once it completes.
 */
export class ResolverClientCore {
  readonly ClientId: Guid;
  readonly referralPolicy: ReferralPolicy;
  readonly #responseTimeoutMs: number;
  readonly #refreshMarginMs: number | undefined;
  readonly #minRefreshMs: number;
  readonly #maxRefreshMs: number;
  readonly #retryMs: number;

  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #meshId: string | undefined;
  #address: PeerNodeAddress | undefined;
  #registrationId: Guid | undefined;
  #lifetime: TimeSpan | undefined;
  /** The address changed while a registration request was in flight. */
  #dirty = false;
  #inFlight: number | undefined;
  #refreshArmed = false;
  #canShare: boolean | undefined;
  #state: "open" | "closing" | "closed" = "open";

  constructor(options: ResolverClientOptions = {}) {
    const id = options.ClientId ?? randomUUID();
    if (!isGuid(id)) throw new ResolverError("InvalidState", "ClientId is not a GUID");
    this.ClientId = normalizeGuid(id);
    this.referralPolicy = options.referralPolicy ?? "Service";
    this.#responseTimeoutMs = options.responseTimeoutMs ?? 120_000;
    this.#refreshMarginMs = options.refreshMarginMs;
    this.#minRefreshMs = options.minRefreshIntervalMs ?? 5_000;
    this.#maxRefreshMs = Math.min(options.maxRefreshIntervalMs ?? 86_400_000, MAX_TIMER_MS);
    this.#retryMs = options.retryIntervalMs ?? 10_000;
    if (this.referralPolicy === "Share") this.#canShare = true;
    if (this.referralPolicy === "DoNotShare") this.#canShare = false;
  }

  /** The RegistrationId the service gave us, while registered. */
  get registrationId(): Guid | undefined {
    return this.#registrationId;
  }

  /** The lifetime granted by the last RegisterResponse or RefreshResponse. */
  get registrationLifetime(): TimeSpan | undefined {
    return this.#lifetime;
  }

  /** The mesh this client registers in, once {@link ResolverClientCore.register} was called. */
  get meshId(): string | undefined {
    return this.#meshId;
  }

  /**
   * Whether the node may send referrals: fixed by the `Share`/`DoNotShare` policies; with
   * `Service`, undefined until GetServiceInfo has answered.
   */
  get canShareReferrals(): boolean | undefined {
    return this.#canShare;
  }

  /** Requests awaiting a reply. */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** True once {@link ResolverClientCore.close} has completed. */
  get closed(): boolean {
    return this.#state === "closed";
  }

  /** Start: with the `Service` referral policy this asks the service for its settings. */
  open(now: number): ResolverClientAction[] {
    this.#assertOpen();
    return this.referralPolicy === "Service" ? this.getServiceSettings(now).actions : [];
  }

  /** Register `address` in `meshId` (MC-PRCR §3.1.4.1) and keep it registered until close. */
  register(meshId: string, address: PeerNodeAddress, now: number): ResolverClientAction[] {
    this.#assertOpen();
    if (this.#meshId !== undefined) {
      throw new ResolverError("InvalidState", "this client already holds a registration");
    }
    this.#meshId = meshId;
    this.#address = address;
    return this.#sendRegistration(now);
  }

  /** The node's address changed: tell the service with Update (MC-PRCR §3.1.4.2). */
  update(address: PeerNodeAddress, now: number): ResolverClientAction[] {
    this.#assertOpen();
    if (this.#meshId === undefined) {
      throw new ResolverError("InvalidState", "update before register");
    }
    this.#address = address;
    if (this.#inFlight !== undefined) {
      this.#dirty = true;
      return [];
    }
    return this.#sendRegistration(now);
  }

  /** Ask for up to `maxAddresses` addresses in `meshId` (MC-PRCR §3.1.4.3). */
  resolve(
    meshId: string,
    maxAddresses: number,
    now: number,
  ): { requestId: number; actions: ResolverClientAction[] } {
    this.#assertOpen();
    return this.#send(
      {
        operation: "Resolve",
        body: { ClientId: this.ClientId, MaxAddresses: maxAddresses, MeshId: meshId },
      },
      now,
    );
  }

  /** Ask for the service's settings (MC-PRCR §3.1.4.6). */
  getServiceSettings(now: number): { requestId: number; actions: ResolverClientAction[] } {
    this.#assertOpen();
    return this.#send({ operation: "GetServiceInfo", body: null }, now);
  }

  /**
   * Shut down (MC-PRCR §3.1.7.1): fail outstanding Resolve/GetServiceInfo requests, stop
   * refreshing and Unregister. If a Register is still in flight, wait for its reply so that the
   * new record can be unregistered too; `closed` comes after that.
   */
  close(now: number): ResolverClientAction[] {
    if (this.#state !== "open") return [];
    this.#state = "closing";
    const actions: ResolverClientAction[] = [];
    this.#cancelRefresh(actions);
    // A Register/Update in flight may yet bring a (new) RegistrationId to unregister: wait for it.
    // A Refresh does not change the id, so it is abandoned like the rest.
    const waitFor =
      this.#inFlight !== undefined && this.#pending.get(this.#inFlight)?.operation !== "Refresh"
        ? this.#inFlight
        : undefined;
    this.#failOutstanding(actions, waitFor);
    this.#inFlight = waitFor;
    if (waitFor === undefined) this.#finishClose(actions, now);
    return actions;
  }

  /**
   * Drops everything at once, as a crash would: no Unregister (the record
   * lapses with its lifetime), outstanding requests fail with `Closed`.
   */
  abort(): ResolverClientAction[] {
    if (this.#state === "closed") return [];
    const actions: ResolverClientAction[] = [];
    this.#cancelRefresh(actions);
    this.#failOutstanding(actions);
    this.#inFlight = undefined;
    this.#registrationId = undefined;
    this.#state = "closed";
    actions.push({ type: "closed" });
    return actions;
  }

  /** A reply arrived for `requestId`. Replies nobody waits for are ignored (MC-PRCR §3.1.5.x). */
  onResponse(requestId: number, response: ResolverResponse, now: number): ResolverClientAction[] {
    const p = this.#pending.get(requestId);
    if (p === undefined || p.operation !== response.operation) return [];
    this.#pending.delete(requestId);
    const actions: ResolverClientAction[] = [
      { type: "cancelTimer", timer: `response:${requestId}` },
    ];
    switch (response.operation) {
      case "Register":
      case "Update": {
        this.#inFlight = undefined;
        const { RegistrationId, RegistrationLifetime } = response.body;
        if (!isGuid(RegistrationId)) {
          return this.#registrationFailed(
            requestId,
            p.operation,
            new ResolverError("Fault", "RegisterResponse without a valid RegistrationId"),
            now,
            actions,
          );
        }
        // MC-PRCR §3.1.5.1: the id from an Update reply replaces ours (Windows may issue a new one).
        this.#registrationId = normalizeGuid(RegistrationId);
        this.#lifetime = RegistrationLifetime;
        actions.push({
          type: "registered",
          RegistrationId: this.#registrationId,
          RegistrationLifetime,
        });
        this.#afterRegistration(actions, now);
        break;
      }
      case "Refresh": {
        this.#inFlight = undefined;
        if (response.body.Result === "Success") {
          this.#lifetime = response.body.RegistrationLifetime;
          this.#afterRegistration(actions, now);
        } else {
          // MC-PRCR §3.1.5.3: RegistrationNotFound → ignore the lifetime, register again.
          this.#registrationId = undefined;
          this.#lifetime = undefined;
          if (this.#state === "closing") this.#finishClose(actions, now);
          else actions.push(...this.#sendRegistration(now));
        }
        break;
      }
      case "Resolve":
        actions.push({
          type: "resolved",
          requestId,
          Addresses: dropMixedScopeAddresses(response.body.Addresses),
        });
        break;
      case "GetServiceInfo": {
        const ControlMeshShape = response.body.ControlMeshShape;
        if (this.referralPolicy === "Service") this.#canShare = !ControlMeshShape;
        actions.push({
          type: "serviceSettings",
          requestId,
          ControlMeshShape,
          canShareReferrals: this.#canShare ?? !ControlMeshShape,
        });
        break;
      }
      case "Unregister":
        break;
    }
    return actions;
  }

  /** `requestId` failed: a SOAP fault, a transport error, or the connection closed before the reply. */
  onFailure(requestId: number, error: ResolverError, now: number): ResolverClientAction[] {
    const p = this.#pending.get(requestId);
    if (p === undefined) return [];
    this.#pending.delete(requestId);
    const actions: ResolverClientAction[] = [
      { type: "cancelTimer", timer: `response:${requestId}` },
    ];
    if (p.registration) {
      this.#inFlight = undefined;
      return this.#registrationFailed(requestId, p.operation, error, now, actions);
    }
    actions.push({ type: "failed", requestId, operation: p.operation, error });
    return actions;
  }

  /** A timer armed by a `setTimer` action fired. */
  onTimer(timer: ResolverClientTimer, now: number): ResolverClientAction[] {
    if (timer === "refresh") {
      if (!this.#refreshArmed) return [];
      this.#refreshArmed = false;
      if (this.#state !== "open" || this.#inFlight !== undefined) return [];
      // MC-PRCR §3.1.6.1; after a failure the same timer retries, registering anew if we never got an id.
      if (this.#registrationId === undefined || this.#dirty) return this.#sendRegistration(now);
      return this.#send(
        {
          operation: "Refresh",
          body: { MeshId: this.#meshId ?? "", RegistrationId: this.#registrationId },
        },
        now,
      ).actions;
    }
    const id = Number(timer.slice("response:".length));
    if (!this.#pending.has(id)) return [];
    // MC-PRCR §3.1.6.2: the operation has failed.
    return this.onFailure(
      id,
      new ResolverError("Timeout", `no reply within ${this.#responseTimeoutMs} ms`),
      now,
    );
  }

  #assertOpen(): void {
    if (this.#state !== "open") throw new ResolverError("Closed", "resolver client is closed");
  }

  /** Register, or Update when we hold a RegistrationId. */
  #sendRegistration(now: number): ResolverClientAction[] {
    const MeshId = this.#meshId;
    const NodeAddress = this.#address;
    if (MeshId === undefined || NodeAddress === undefined) return [];
    this.#dirty = false;
    const actions: ResolverClientAction[] = [];
    this.#cancelRefresh(actions);
    const request: ResolverRequest =
      this.#registrationId === undefined
        ? { operation: "Register", body: { ClientId: this.ClientId, MeshId, NodeAddress } }
        : {
            operation: "Update",
            body: {
              ClientId: this.ClientId,
              MeshId,
              NodeAddress,
              RegistrationId: this.#registrationId,
            },
          };
    actions.push(...this.#send(request, now).actions);
    return actions;
  }

  #send(
    request: ResolverRequest,
    now: number,
  ): { requestId: number; actions: ResolverClientAction[] } {
    const requestId = this.#nextId++;
    const registration =
      request.operation === "Register" ||
      request.operation === "Update" ||
      request.operation === "Refresh";
    const actions: ResolverClientAction[] = [];
    if (request.operation !== "Unregister") {
      this.#pending.set(requestId, { operation: request.operation, registration });
      // Armed before the send, so that a host delivering the reply synchronously cancels it.
      actions.push({
        type: "setTimer",
        timer: `response:${requestId}`,
        at: now + this.#responseTimeoutMs,
      });
    }
    actions.push({ type: "send", requestId, request });
    if (registration) this.#inFlight = requestId;
    return { requestId, actions };
  }

  /** After a successful Register/Update/Refresh reply. */
  #afterRegistration(actions: ResolverClientAction[], now: number): void {
    if (this.#state === "closing") {
      this.#finishClose(actions, now);
      return;
    }
    if (this.#dirty) {
      actions.push(...this.#sendRegistration(now));
      return;
    }
    this.#armRefresh(actions, now + this.#refreshDelay());
  }

  #registrationFailed(
    requestId: number,
    operation: ResolverOperation,
    error: ResolverError,
    now: number,
    actions: ResolverClientAction[],
  ): ResolverClientAction[] {
    actions.push({ type: "failed", requestId, operation, error });
    if (this.#state === "closing") {
      this.#finishClose(actions, now);
    } else {
      // MC-PRCR §1.3.4: clients "attempt to refresh or reregister" when the service fails.
      this.#armRefresh(actions, now + this.#retryMs);
    }
    return actions;
  }

  #refreshDelay(): number {
    const lifetime = timeSpanToMilliseconds(this.#lifetime ?? 0n);
    const margin = this.#refreshMarginMs ?? Math.min(lifetime / 10, 60_000);
    const delay = Math.floor(lifetime - margin);
    return Math.min(Math.max(delay, this.#minRefreshMs), this.#maxRefreshMs);
  }

  #armRefresh(actions: ResolverClientAction[], at: number): void {
    this.#refreshArmed = true;
    actions.push({ type: "setTimer", timer: "refresh", at });
  }

  /** Fails every outstanding request but `except` with `Closed`, cancelling its response timer. */
  #failOutstanding(actions: ResolverClientAction[], except?: number): void {
    for (const [id, p] of [...this.#pending]) {
      if (id === except) continue;
      this.#pending.delete(id);
      actions.push({ type: "cancelTimer", timer: `response:${id}` });
      actions.push({
        type: "failed",
        requestId: id,
        operation: p.operation,
        error: new ResolverError("Closed", "resolver client closed"),
      });
    }
  }

  #cancelRefresh(actions: ResolverClientAction[]): void {
    if (!this.#refreshArmed) return;
    this.#refreshArmed = false;
    actions.push({ type: "cancelTimer", timer: "refresh" });
  }

  #finishClose(actions: ResolverClientAction[], now: number): void {
    this.#cancelRefresh(actions);
    if (this.#registrationId !== undefined && this.#meshId !== undefined) {
      actions.push(
        ...this.#send(
          {
            operation: "Unregister",
            body: { MeshId: this.#meshId, RegistrationId: this.#registrationId },
          },
          now,
        ).actions,
      );
      this.#registrationId = undefined;
    }
    this.#state = "closed";
    actions.push({ type: "closed" });
  }
}
