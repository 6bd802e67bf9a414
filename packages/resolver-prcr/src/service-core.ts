import { randomUUID } from "node:crypto";
import { ResolverError, ResolverQuotaError } from "./errors.js";
import { MemoryRegistrationStore } from "./memory-store.js";
import {
  EMPTY_GUID,
  type Guid,
  millisecondsToTimeSpan,
  type PeerNodeAddress,
  type RefreshInfo,
  type RefreshResponseInfo,
  type Register,
  type RegisterResponse,
  RESOLVER_OPERATIONS,
  type ResolveInfo,
  type ResolveResponseInfo,
  type ResolverOperation,
  type ResolverRequest,
  type ResolverResponse,
  type ServiceSettingsResponseInfo,
  type UnregisterInfo,
  type UpdateInfo,
} from "./model.js";
import { DEFAULT_RESOLVER_QUOTAS, type ResolverQuotas } from "./quotas.js";
import type { RegistrationStore, StoreStats, StoreWriteResult } from "./store.js";
import { checkGuid, checkMeshId, checkNodeAddress } from "./validate.js";

/** DefaultRegistrationLifetime (MC-PRCR §3.2.1; Windows' RefreshInterval, WINDOWS-NOTES §1.7). */
export const DEFAULT_REGISTRATION_LIFETIME_MS = 10 * 60_000;
/** MaintenanceInterval (MC-PRCR §3.2.1; Windows' CleanupInterval). */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 60_000;

/** Options of {@link ResolverServiceCore}. */
export interface ResolverServiceOptions {
  /** Where registrations live. Default: a new {@link MemoryRegistrationStore}. */
  readonly store?: RegistrationStore;
  /** The clock, in milliseconds. Default Date.now. Instances sharing a store need comparable clocks. */
  readonly now?: () => number;
  /** RegistrationId generator. Default crypto.randomUUID. */
  readonly newGuid?: () => Guid;
  /** Lifetime granted by Register, Update and Refresh. Default 10 minutes. */
  readonly registrationLifetimeMs?: number;
  /** How often the host should call {@link ResolverServiceCore.maintain}. Default 1 minute. */
  readonly maintenanceIntervalMs?: number;
  /** ReferralPolicy, returned as ControlMeshShape by GetServiceInfo. Default false, as on Windows. */
  readonly controlMeshShape?: boolean;
  /** Limits against abuse; unset fields take {@link DEFAULT_RESOLVER_QUOTAS}. */
  readonly quotas?: Partial<ResolverQuotas>;
}

/** Counters of one service instance since it started. */
export interface ResolverCounters {
  /** Requests received, by operation. */
  readonly requests: Readonly<Record<ResolverOperation, number>>;
  /** Requests that failed (and so become a fault or an abort), by operation. */
  readonly faults: Readonly<Record<ResolverOperation, number>>;
  /** Registration records created (by Register, or by Update of an unknown id). */
  readonly registered: number;
  /** Records removed by Unregister. */
  readonly unregistered: number;
  /** Records removed by maintenance because they expired. */
  readonly expired: number;
  /** Refresh requests answered RegistrationNotFound. */
  readonly refreshNotFound: number;
}

/** Attempts at a fresh RegistrationId when a generator hands out one already in use. */
const MAX_ID_ATTEMPTS = 4;

function zeroCounts(): Record<ResolverOperation, number> {
  const o = {} as Record<ResolverOperation, number>;
  for (const op of RESOLVER_OPERATIONS) o[op] = 0;
  return o;
}

/**
 * The resolver service (MC-PRCR §3.2) without I/O apart from its store: the wire layer decodes a
 * request, calls the matching method (or {@link ResolverServiceCore.handle}) and encodes the
 * result; a thrown {@link ResolverError} becomes a SOAP fault (WCF's behaviour; MC-PRCR §3.2.5
 * says abort the connection — either is allowed to a Windows client, which treats both as failure).
 *
 * Duplicates, as Windows' CustomPeerResolverService handles them (WINDOWS-NOTES §1.7): a Register
 * whose endpoint has the same ServicePath (upper-cased path and query) as a live registration in
 * the same mesh fails with `DuplicateRegistration`; the holder is not replaced. The same ClientId
 * may hold several registrations with different paths. An expired holder does not count.
 *
 * Resolve differs from Windows on purpose: Windows draws with replacement and may return the
 * caller itself; we return up to MaxAddresses distinct live records, never one registered under
 * the caller's ClientId (MC-PRCR §3.2.5.3 allows using ClientId; <3> says Windows does not).
 */
export class ResolverServiceCore {
  readonly store: RegistrationStore;
  readonly quotas: ResolverQuotas;
  readonly registrationLifetimeMs: number;
  readonly maintenanceIntervalMs: number;
  readonly controlMeshShape: boolean;
  readonly #now: () => number;
  readonly #newGuid: () => Guid;
  readonly #requests = zeroCounts();
  readonly #faults = zeroCounts();
  #registered = 0;
  #unregistered = 0;
  #expired = 0;
  #refreshNotFound = 0;

  constructor(options: ResolverServiceOptions = {}) {
    this.store = options.store ?? new MemoryRegistrationStore();
    this.quotas = Object.freeze({ ...DEFAULT_RESOLVER_QUOTAS, ...options.quotas });
    this.registrationLifetimeMs =
      options.registrationLifetimeMs ?? DEFAULT_REGISTRATION_LIFETIME_MS;
    this.maintenanceIntervalMs = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    this.controlMeshShape = options.controlMeshShape ?? false;
    this.#now = options.now ?? Date.now;
    this.#newGuid = options.newGuid ?? randomUUID;
    if (!(this.registrationLifetimeMs > 0) || !(this.maintenanceIntervalMs > 0)) {
      throw new ResolverError(
        "BadConfig",
        "registrationLifetimeMs and maintenanceIntervalMs must be positive",
      );
    }
  }

  /** Register (MC-PRCR §3.2.5.1): a new record with a fresh RegistrationId. */
  register(req: Register): Promise<RegisterResponse> {
    return this.#count("Register", async () => {
      const ClientId = checkGuid(req?.ClientId, "ClientId");
      const MeshId = checkMeshId(req?.MeshId, this.quotas);
      const { address, servicePath } = checkNodeAddress(req?.NodeAddress, this.quotas);
      return this.#insert(ClientId, MeshId, address, servicePath);
    });
  }

  /**
   * Update (MC-PRCR §3.2.5.2): replace the address of a live record and restart its lifetime; an
   * unknown id registers anew with a new RegistrationId, as Windows does (MC-PRCR <2>).
   */
  update(req: UpdateInfo): Promise<RegisterResponse> {
    return this.#count("Update", async () => {
      const ClientId = checkGuid(req?.ClientId, "ClientId");
      const MeshId = checkMeshId(req?.MeshId, this.quotas);
      const RegistrationId = checkGuid(req?.RegistrationId, "RegistrationId");
      const { address, servicePath } = checkNodeAddress(req?.NodeAddress, this.quotas);
      const now = this.#now();
      const result = await this.store.update(
        MeshId,
        RegistrationId,
        address,
        servicePath,
        now + this.registrationLifetimeMs,
        now,
      );
      if (result.ok) return this.#granted(RegistrationId);
      if (result.reason === "not-found")
        return this.#insert(ClientId, MeshId, address, servicePath);
      throw writeError(result, servicePath, this.quotas);
    });
  }

  /** Resolve (MC-PRCR §3.2.5.3): up to MaxAddresses random addresses of the mesh, not the caller's. */
  resolve(req: ResolveInfo): Promise<ResolveResponseInfo> {
    return this.#count("Resolve", async () => {
      const MeshId = checkMeshId(req?.MeshId, this.quotas);
      const max = req?.MaxAddresses;
      if (typeof max !== "number" || !Number.isInteger(max) || max < 0) {
        throw new ResolverError("InvalidRequest", "MaxAddresses must be a non-negative integer");
      }
      // An absent ClientId arrives as the empty GUID; it identifies nobody, so excludes nobody.
      const client = req?.ClientId === undefined ? EMPTY_GUID : checkGuid(req.ClientId, "ClientId");
      const exclude = client === EMPTY_GUID ? undefined : client;
      const n = Math.min(max, this.quotas.maxResolveAddresses);
      const Addresses = await this.store.sample(MeshId, n, exclude, this.#now());
      return { Addresses };
    });
  }

  /** Unregister (MC-PRCR §3.2.5.4): remove the record if it exists; unknown ids are not an error. */
  unregister(req: UnregisterInfo): Promise<void> {
    return this.#count("Unregister", async () => {
      const MeshId = checkMeshId(req?.MeshId, this.quotas);
      const RegistrationId = checkGuid(req?.RegistrationId, "RegistrationId");
      if (await this.store.remove(MeshId, RegistrationId, this.#now())) this.#unregistered++;
    });
  }

  /** Refresh (MC-PRCR §3.2.5.5): restart a live record's lifetime, or report RegistrationNotFound. */
  refresh(req: RefreshInfo): Promise<RefreshResponseInfo> {
    return this.#count("Refresh", async () => {
      const MeshId = checkMeshId(req?.MeshId, this.quotas);
      const RegistrationId = checkGuid(req?.RegistrationId, "RegistrationId");
      const now = this.#now();
      const found = await this.store.refresh(
        MeshId,
        RegistrationId,
        now + this.registrationLifetimeMs,
        now,
      );
      if (found) {
        return {
          Result: "Success",
          RegistrationLifetime: millisecondsToTimeSpan(this.registrationLifetimeMs),
        };
      }
      this.#refreshNotFound++;
      return { Result: "RegistrationNotFound", RegistrationLifetime: 0n };
    });
  }

  /** GetServiceInfo (MC-PRCR §3.2.5.6): the ReferralPolicy as ControlMeshShape. */
  getServiceInfo(): Promise<ServiceSettingsResponseInfo> {
    return this.#count("GetServiceInfo", async () => ({ ControlMeshShape: this.controlMeshShape }));
  }

  /** Dispatch any request to its operation; the reply is tagged with the same operation. */
  async handle(request: ResolverRequest): Promise<ResolverResponse> {
    switch (request.operation) {
      case "Register":
        return { operation: "Register", body: await this.register(request.body) };
      case "Update":
        return { operation: "Update", body: await this.update(request.body) };
      case "Resolve":
        return { operation: "Resolve", body: await this.resolve(request.body) };
      case "Unregister":
        await this.unregister(request.body);
        return { operation: "Unregister", body: null };
      case "Refresh":
        return { operation: "Refresh", body: await this.refresh(request.body) };
      case "GetServiceInfo":
        return { operation: "GetServiceInfo", body: await this.getServiceInfo() };
      default:
        throw new ResolverError("InvalidRequest", "unknown operation");
    }
  }

  /**
   * The maintenance timer (MC-PRCR §3.2.6.1): remove expired records. The host calls this every
   * {@link ResolverServiceCore.maintenanceIntervalMs}. Returns how many records were removed.
   */
  async maintain(): Promise<number> {
    const n = await this.store.sweep(this.#now());
    this.#expired += n;
    return n;
  }

  /** A snapshot of this instance's counters. */
  counters(): ResolverCounters {
    return {
      requests: { ...this.#requests },
      faults: { ...this.#faults },
      registered: this.#registered,
      unregistered: this.#unregistered,
      expired: this.#expired,
      refreshNotFound: this.#refreshNotFound,
    };
  }

  /** Live meshes and registrations in the store (all instances' when the store is shared). */
  stats(): Promise<StoreStats> {
    return this.store.stats(this.#now());
  }

  async #insert(
    ClientId: Guid,
    MeshId: string,
    NodeAddress: PeerNodeAddress,
    ServicePath: string,
  ): Promise<RegisterResponse> {
    const q = this.quotas;
    const limits = {
      maxMeshes: q.maxMeshes,
      maxRegistrationsPerMesh: q.maxRegistrationsPerMesh,
      maxRegistrations: q.maxRegistrations,
    };
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const RegistrationId = checkGuid(this.#newGuid(), "generated RegistrationId");
      const now = this.#now();
      const expiresAt = now + this.registrationLifetimeMs;
      const record = { MeshId, RegistrationId, ClientId, NodeAddress, ServicePath, expiresAt };
      const result = await this.store.insert(record, limits, now);
      if (result.ok) {
        this.#registered++;
        return this.#granted(RegistrationId);
      }
      if (result.reason !== "id-in-use") throw writeError(result, ServicePath, q);
    }
    throw new ResolverError("StoreFailure", "could not draw an unused RegistrationId");
  }

  #granted(RegistrationId: Guid): RegisterResponse {
    return {
      RegistrationId,
      RegistrationLifetime: millisecondsToTimeSpan(this.registrationLifetimeMs),
    };
  }

  async #count<T>(op: ResolverOperation, run: () => Promise<T>): Promise<T> {
    this.#requests[op]++;
    try {
      return await run();
    } catch (e) {
      this.#faults[op]++;
      if (e instanceof ResolverError) throw e;
      throw new ResolverError("StoreFailure", `${op} failed: ${String(e)}`, { cause: e });
    }
  }
}

function writeError(
  result: Exclude<StoreWriteResult, { ok: true }>,
  path: string,
  quotas: ResolverQuotas,
): ResolverError {
  switch (result.reason) {
    case "duplicate":
      return new ResolverError(
        "DuplicateRegistration",
        `ServicePath ${path} is already registered in this mesh`,
      );
    case "quota":
      return new ResolverQuotaError(result.quota, quotas[result.quota]);
    default:
      return new ResolverError("StoreFailure", `unexpected store result ${result.reason}`);
  }
}
