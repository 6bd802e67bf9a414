/**
 * Limits the service enforces against abuse. MC-PRCR has none and neither has Windows'
 * CustomPeerResolverService; every one of these can be raised.
 */
export interface ResolverQuotas {
  /** Distinct meshes with at least one live registration. */
  readonly maxMeshes: number;
  /** Live registrations in one mesh. */
  readonly maxRegistrationsPerMesh: number;
  /** Live registrations in the whole store. */
  readonly maxRegistrations: number;
  /** IP addresses in one PeerNodeAddress. */
  readonly maxAddressesPerRegistration: number;
  /** Characters in a MeshId. */
  readonly maxMeshIdLength: number;
  /** Characters in a PeerNodeAddress endpoint URI (Windows caps a Via at 4096 bytes, WINDOWS-NOTES §1.1). */
  readonly maxUriLength: number;
  /**
   * Largest MaxAddresses honoured by Resolve; larger requests are clamped (not refused) so that a
   * ResolveResponse stays well below the 65536-byte default message quota.
   */
  readonly maxResolveAddresses: number;
}

/** Default quotas. */
export const DEFAULT_RESOLVER_QUOTAS: ResolverQuotas = Object.freeze({
  maxMeshes: 10_000,
  maxRegistrationsPerMesh: 16_384,
  maxRegistrations: 100_000,
  maxAddressesPerRegistration: 64,
  maxMeshIdLength: 1024,
  maxUriLength: 4096,
  maxResolveAddresses: 100,
});
