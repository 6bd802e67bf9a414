import { MeshError } from "./errors.js";

/**
 * How a link proves it belongs to the mesh before the Connect handshake (MC-PRCH §3.1.6.4.5–8).
 * - `none`: TCP only; a link is Authenticated as soon as it opens.
 * - `external`: TLS/certificate checks happen below the engine, which waits for
 *   `connectionAuthenticated` (bounded by the security handshake timer).
 * - `password`: the engine runs the RequestSecurityToken exchange itself, using pure functions the
 *   host supplies (the PeerHashToken math lives in `@prch/security`).
 */
export type SecurityConfig =
  | { readonly mode: "none" }
  | { readonly mode: "external" }
  | {
      readonly mode: "password";
      /** Our PeerHashToken authenticator (base64) for this link (it depends on our TLS key). */
      readonly localAuthenticator: (conn: number) => string;
      /** Whether the remote authenticator matches the password and the remote TLS key of `conn`. */
      readonly verifyRemote: (conn: number, authenticator: string) => boolean;
    };

/** All engine settings. Defaults are Windows' values (WINDOWS-NOTES §1.4–§1.5). */
export interface MeshConfig {
  /** MC-PRCH §3.1.1 IdealNeighborCount (3). */
  idealNeighbors: number;
  /** MC-PRCH §3.1.1 MinNeighborCount (2). */
  minNeighbors: number;
  /** MC-PRCH §3.1.1 MaxNeighborCount (7). */
  maxNeighbors: number;
  /** Connect handshake timeout, ms (60 s; spec "1 minute"). */
  connectTimeoutMs: number;
  /** Security handshake timeout, ms (Windows 2 min; spec 1 min — WINDOWS-NOTES §1.6). */
  securityTimeoutMs: number;
  /** LinkUtility period, ms (Windows 30 s; spec 1 min — WINDOWS-NOTES §1.5). */
  linkUtilityIntervalMs: number;
  /** Received floods after which a LinkUtility is sent at once (32). */
  linkUtilityThreshold: number;
  /** AckWindow: the largest Total a LinkUtility may carry (32). */
  ackWindow: number;
  /** Updates after which a link's utility is trusted for pruning (32). */
  utilityTrustedAfter: number;
  /** Maintenance period, ms (5 min). */
  maintenanceIntervalMs: number;
  /** Maintenance retry while the node has no neighbor, ms (10 s). */
  maintenanceRetryMs: number;
  /** Addresses asked of the resolver per Resolve (3). */
  resolveAddresses: number;
  /** Resolves per periodic maintenance run when short of neighbors (Windows: up to 2). */
  resolvesPerMaintenance: number;
  /** Outgoing connect attempts one maintenance run may make, counting retries after failures. */
  connectAttemptsPerMaintenance: number;
  /** Referrals sent in Welcome/Refuse/Disconnect (10). */
  maxReferrals: number;
  /** Referral cache capacity (50). */
  referralCacheSize: number;
  /** Whether referrals are shared and used (the resolver's `CanShareReferrals`). */
  shareReferrals: boolean;
  /** MessageId cache buckets (5). */
  messageCacheBuckets: number;
  /** MessageId cache rotation period, ms (60 s). */
  messageCacheRotateMs: number;
  /** Quota: ids per cache bucket before an early rotation. */
  messageCacheMaxPerBucket: number;
  /** A duplicate whose first copy is more than this many buckets old also lowers utility (2). */
  lateDuplicateBuckets: number;
  /** Throttle: pending messages at which reading stops (128). */
  throttleLimit: number;
  /** Throttle: a neighbor must have more than this many pending to be watched (32). */
  throttleWatchMin: number;
  /** Throttle: watching ends (and reading may resume) at this many pending or fewer (8). */
  throttleResumeAt: number;
  /** Throttle grace period bounds, ms (10–20 s, drawn at random). */
  throttleGraceMinMs: number;
  throttleGraceMaxMs: number;
  /** Deliver our own sends to our own matching channels (WCF local loopback). */
  loopback: boolean;
  /**
   * Abort a link that sends an unparseable hop count, as MC-PRCH §3.1.5.9.1.1 says. Off by default:
   * Windows ignores the bad value and forwards (WINDOWS-NOTES §1.3).
   */
  strictHopCount: boolean;
  /** Send a Fault before aborting a link (MC-PRCH §3.1.5.8.1.1). */
  faultOnAbort: boolean;
  /** Default per-channel delivery size limit, bytes (65536). */
  maxMessageSize: number;
  /** Neighbor link security. */
  security: SecurityConfig;
}

/** Windows' defaults for every setting. */
export const DEFAULT_CONFIG: Readonly<MeshConfig> = Object.freeze<MeshConfig>({
  idealNeighbors: 3,
  minNeighbors: 2,
  maxNeighbors: 7,
  connectTimeoutMs: 60_000,
  securityTimeoutMs: 120_000,
  linkUtilityIntervalMs: 30_000,
  linkUtilityThreshold: 32,
  ackWindow: 32,
  utilityTrustedAfter: 32,
  maintenanceIntervalMs: 300_000,
  maintenanceRetryMs: 10_000,
  resolveAddresses: 3,
  resolvesPerMaintenance: 2,
  connectAttemptsPerMaintenance: 12,
  maxReferrals: 10,
  referralCacheSize: 50,
  shareReferrals: true,
  messageCacheBuckets: 5,
  messageCacheRotateMs: 60_000,
  messageCacheMaxPerBucket: 1 << 17,
  lateDuplicateBuckets: 2,
  throttleLimit: 128,
  throttleWatchMin: 32,
  throttleResumeAt: 8,
  throttleGraceMinMs: 10_000,
  throttleGraceMaxMs: 20_000,
  loopback: true,
  strictHopCount: false,
  faultOnAbort: true,
  maxMessageSize: 65_536,
  security: { mode: "none" },
});

/** Merge user settings over the defaults and check them. */
export function resolveConfig(partial: Partial<MeshConfig> = {}): MeshConfig {
  const c: MeshConfig = { ...DEFAULT_CONFIG, ...partial };
  const positive: (keyof MeshConfig)[] = [
    "idealNeighbors",
    "minNeighbors",
    "maxNeighbors",
    "connectTimeoutMs",
    "securityTimeoutMs",
    "linkUtilityIntervalMs",
    "linkUtilityThreshold",
    "ackWindow",
    "maintenanceIntervalMs",
    "maintenanceRetryMs",
    "resolveAddresses",
    "messageCacheBuckets",
    "messageCacheRotateMs",
    "messageCacheMaxPerBucket",
    "throttleLimit",
    "maxMessageSize",
  ];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new MeshError("bad-config", `${k} must be a positive number, got ${String(v)}`);
    }
  }
  if (!(c.minNeighbors <= c.idealNeighbors && c.idealNeighbors <= c.maxNeighbors)) {
    throw new MeshError("bad-config", "neighbor counts must satisfy min <= ideal <= max");
  }
  if (c.throttleGraceMinMs < 0 || c.throttleGraceMaxMs < c.throttleGraceMinMs) {
    throw new MeshError("bad-config", "throttle grace bounds must satisfy 0 <= min <= max");
  }
  if (c.throttleResumeAt >= c.throttleLimit) {
    throw new MeshError("bad-config", "throttleResumeAt must be below throttleLimit");
  }
  return c;
}
