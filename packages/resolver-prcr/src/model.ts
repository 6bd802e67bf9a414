/**
 * The MC-PRCR operations as plain data. Field names are the DataContract member names of MC-PRCR
 * §2.2 and §6.2, so the SOAP mapping in `@prch/soap` is one-to-one.
 */

/**
 * A GUID in its canonical text form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case), the
 * form `ser:guid` takes on the wire (MC-PRCR §6.4).
 */
export type Guid = string;

/** A .NET `TimeSpan`: a signed 64-bit count of 100-nanosecond ticks (`ser:duration` on the wire). */
export type TimeSpan = bigint;

/** The all-zero GUID, which WCF sends when a `ser:guid` member is absent (minOccurs="0"). */
export const EMPTY_GUID: Guid = "00000000-0000-0000-0000-000000000000";

/** 100-ns ticks per millisecond. */
export const TICKS_PER_MILLISECOND = 10_000n;

/**
 * PeerNodeAddress (MC-PRCR §2.2.2.1, MC-PRCH §2.2.2.2): a node's endpoint URI and the IP
 * addresses it listens on. IP addresses are kept as text (`"192.0.2.7"`, `"fe80::1%4"`); the
 * codec converts to and from the System.Net.IPAddress DataContract. Same shape as the type of
 * the same name in `@prch/mesh-core`.
 */
export interface PeerNodeAddress {
  /** The wsa10 EndpointReference address URI, e.g. `net.tcp://host:31337/PeerChannelEndpoints/{guid}`. */
  readonly EndpointAddress: string;
  /** One or more IP literals the node listens on (IPv6 scope as `%n`). */
  readonly IPAddresses: readonly string[];
}

/** RefreshResult (MC-PRCR §2.2.2.2, §6.3). */
export type RefreshResult = "Success" | "RegistrationNotFound";

/** Register request body, element `peer:Register` (MC-PRCR §2.2.3.1). */
export interface Register {
  readonly ClientId: Guid;
  readonly MeshId: string;
  readonly NodeAddress: PeerNodeAddress;
}

/** RegisterResponse body, the reply to Register and Update (MC-PRCR §2.2.4.1). */
export interface RegisterResponse {
  readonly RegistrationId: Guid;
  readonly RegistrationLifetime: TimeSpan;
}

/** Update request body, element `peer:UpdateInfo` (MC-PRCR §2.2.3.4). */
export interface UpdateInfo {
  readonly ClientId: Guid;
  readonly MeshId: string;
  readonly NodeAddress: PeerNodeAddress;
  readonly RegistrationId: Guid;
}

/** Resolve request body, element `peer:Resolve` of type ResolveInfo (MC-PRCR §2.2.3.2). */
export interface ResolveInfo {
  readonly ClientId: Guid;
  /** SHOULD be 5 (MC-PRCR §2.2.3.2); Windows nodes ask for 3 (WINDOWS-NOTES §1.4). */
  readonly MaxAddresses: number;
  readonly MeshId: string;
}

/** ResolveResponse body, element `peer:ResolveResponse` (MC-PRCR §2.2.4.2). */
export interface ResolveResponseInfo {
  readonly Addresses: readonly PeerNodeAddress[];
}

/** Unregister request body, element `peer:Unregister` (MC-PRCR §2.2.3.5). */
export interface UnregisterInfo {
  readonly MeshId: string;
  readonly RegistrationId: Guid;
}

/** Refresh request body, element `peer:Refresh` (MC-PRCR §2.2.3.3). */
export interface RefreshInfo {
  readonly MeshId: string;
  readonly RegistrationId: Guid;
}

/**
 * RefreshResponse body (MC-PRCR §2.2.4.3). With `RegistrationNotFound` the lifetime is "left
 * blank" by the spec; we carry 0.
 */
export interface RefreshResponseInfo {
  readonly RegistrationLifetime: TimeSpan;
  readonly Result: RefreshResult;
}

/** ServiceSettings body, the reply to GetServiceInfo (MC-PRCR §2.2.4.4). */
export interface ServiceSettingsResponseInfo {
  readonly ControlMeshShape: boolean;
}

/**
 * Operation names as in the §6.1 portType. GetServiceInfo's actions are `…/GetServiceSettings`
 * and `…/GetServiceSettingsResponse` (WINDOWS-NOTES §1.7).
 */
export type ResolverOperation =
  | "Register"
  | "Update"
  | "Resolve"
  | "Unregister"
  | "Refresh"
  | "GetServiceInfo";

/** All operations, in portType order. */
export const RESOLVER_OPERATIONS: readonly ResolverOperation[] = Object.freeze([
  "Register",
  "Update",
  "Resolve",
  "Unregister",
  "Refresh",
  "GetServiceInfo",
]);

/** A request of any operation, tagged by operation name. GetServiceInfo has an empty body. */
export type ResolverRequest =
  | { readonly operation: "Register"; readonly body: Register }
  | { readonly operation: "Update"; readonly body: UpdateInfo }
  | { readonly operation: "Resolve"; readonly body: ResolveInfo }
  | { readonly operation: "Unregister"; readonly body: UnregisterInfo }
  | { readonly operation: "Refresh"; readonly body: RefreshInfo }
  | { readonly operation: "GetServiceInfo"; readonly body: null };

/**
 * A reply of any operation, tagged by the operation it answers. Update is answered with a
 * RegisterResponse; Unregister's reply is empty (the §6.1 WSDL declares one; MC-PRCR §3 says
 * there is none — it may also never come).
 */
export type ResolverResponse =
  | { readonly operation: "Register"; readonly body: RegisterResponse }
  | { readonly operation: "Update"; readonly body: RegisterResponse }
  | { readonly operation: "Resolve"; readonly body: ResolveResponseInfo }
  | { readonly operation: "Unregister"; readonly body: null }
  | { readonly operation: "Refresh"; readonly body: RefreshResponseInfo }
  | { readonly operation: "GetServiceInfo"; readonly body: ServiceSettingsResponseInfo };

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True if `s` matches the `ser:guid` pattern of MC-PRCR §6.4. */
export function isGuid(s: unknown): s is Guid {
  return typeof s === "string" && GUID_RE.test(s);
}

/** Lower-case a GUID so that comparisons and store keys do not depend on the sender's casing. */
export function normalizeGuid(s: Guid): Guid {
  return s.toLowerCase();
}

/** Convert a TimeSpan to whole milliseconds (truncating toward zero, clamped to safe integers). */
export function timeSpanToMilliseconds(t: TimeSpan): number {
  const ms = t / TICKS_PER_MILLISECOND;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (ms < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(ms);
}

/** Convert whole milliseconds to a TimeSpan. */
export function millisecondsToTimeSpan(ms: number): TimeSpan {
  return BigInt(Math.trunc(ms)) * TICKS_PER_MILLISECOND;
}
