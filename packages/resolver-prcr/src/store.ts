import type { Guid, PeerNodeAddress } from "./model.js";

/**
 * One registration record (MC-PRCR §3.2.1): ClientId, mesh name, RegistrationId, PeerNodeAddress
 * and expiration time.
 */
export interface RegistrationRecord {
  readonly MeshId: string;
  readonly RegistrationId: Guid;
  readonly ClientId: Guid;
  readonly NodeAddress: PeerNodeAddress;
  /** Upper-cased path and query of the endpoint URI: the address identity Windows uses (WINDOWS-NOTES §1.2). */
  readonly ServicePath: string;
  /** Expiration time, in milliseconds on the service's clock. */
  readonly expiresAt: number;
}

/** The store-side quotas, checked atomically with the write they guard. */
export interface StoreLimits {
  readonly maxMeshes: number;
  readonly maxRegistrationsPerMesh: number;
  readonly maxRegistrations: number;
}

/** Outcome of {@link RegistrationStore.insert} and {@link RegistrationStore.update}. */
export type StoreWriteResult =
  | { readonly ok: true }
  /** Another live registration in the mesh holds this ServicePath. */
  | { readonly ok: false; readonly reason: "duplicate"; readonly holder: Guid }
  /** A store-side quota would be exceeded. */
  | {
      readonly ok: false;
      readonly reason: "quota";
      readonly quota: "maxMeshes" | "maxRegistrationsPerMesh" | "maxRegistrations";
    }
  /** Update only: no live registration with this id in this mesh. */
  | { readonly ok: false; readonly reason: "not-found" }
  /** Insert only: the RegistrationId is already in use (the caller draws another). */
  | { readonly ok: false; readonly reason: "id-in-use" };

/**
 * Where registrations live. Every method is atomic with respect to the others, also across
 * processes for shared stores, so that duplicate and quota checks hold when several resolver
 * instances serve one deployment.
 *
 * A record whose `expiresAt` is not after `now` is treated as absent by every method, whether or
 * not {@link RegistrationStore.sweep} has removed it yet (MC-PRCR §3.2.6.1 allows "removed or
 * marked as invalid").
 */
export interface RegistrationStore {
  /** Add a record, unless its ServicePath is held by another live record of the mesh or a quota is full. */
  insert(record: RegistrationRecord, limits: StoreLimits, now: number): Promise<StoreWriteResult>;
  /** Replace the address of a live record and move its expiry to `expiresAt`. */
  update(
    MeshId: string,
    RegistrationId: Guid,
    NodeAddress: PeerNodeAddress,
    ServicePath: string,
    expiresAt: number,
    now: number,
  ): Promise<StoreWriteResult>;
  /** Move the expiry of a live record to `expiresAt`; false if there is none. */
  refresh(MeshId: string, RegistrationId: Guid, expiresAt: number, now: number): Promise<boolean>;
  /** Delete a record; false if there was none. */
  remove(MeshId: string, RegistrationId: Guid, now: number): Promise<boolean>;
  /** A live record, or undefined. */
  get(MeshId: string, RegistrationId: Guid, now: number): Promise<RegistrationRecord | undefined>;
  /**
   * Up to `max` addresses of live records of the mesh, chosen at random, never one registered with
   * `excludeClientId` (pass undefined to exclude nobody).
   */
  sample(
    MeshId: string,
    max: number,
    excludeClientId: Guid | undefined,
    now: number,
  ): Promise<PeerNodeAddress[]>;
  /** Remove every record that expired at or before `now`; returns how many were removed. */
  sweep(now: number): Promise<number>;
  /** Live meshes and registrations. */
  stats(now: number): Promise<StoreStats>;
  /** Release connections. Further calls fail with ResolverError "Closed". */
  close(): Promise<void>;
}

/** Counts reported by {@link RegistrationStore.stats}. */
export interface StoreStats {
  readonly meshes: number;
  readonly registrations: number;
}
