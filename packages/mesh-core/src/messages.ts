/**
 * The engine's own typed vocabulary for Peer Channel messages (MC-PRCH §2.2).
 *
 * These are plain data: the SOAP/DataContract encoding lives in `@prch/soap`. Field names follow
 * the DataContract member names of MC-PRCH §2.2.2–§2.2.3 exactly (PascalCase), so a codec maps
 * them one to one; the `kind` discriminant is ours.
 */

/**
 * MC-PRCH §2.2.2.2 PeerNodeAddress: the endpoint URI a node listens on plus its IP addresses.
 * IP addresses are kept in textual form (`"192.0.2.7"`, `"fe80::1%4"`); the codec converts to and
 * from the System.Net.IPAddress DataContract (m_Address, m_Family, m_Numbers, m_ScopeId).
 */
export interface PeerNodeAddress {
  /** The wsa10 EndpointReference address URI, e.g. `net.tcp://host:31337/PeerChannelEndpoints/{guid}`. */
  readonly EndpointAddress: string;
  /** One or more IP literals the node listens on (IPv6 scope as `%n`). */
  readonly IPAddresses: readonly string[];
}

/** MC-PRCH §2.2.2.3 Referral: one node's identity and address. */
export interface Referral {
  readonly NodeId: bigint;
  readonly Address: PeerNodeAddress;
}

/** MC-PRCH §2.2.2.4 RefuseReason (EnumerationValue in comments). */
export type RefuseReason =
  | "DuplicateNeighbor" // 4
  | "DuplicateNodeId" // 5
  | "NodeBusy"; // 6

/** MC-PRCH §2.2.2.5 DisconnectReason (EnumerationValue in comments). */
export type DisconnectReason =
  | "LeavingMesh" // 2
  | "NotUsefulNeighbor" // 3
  | "DuplicateNeighbor" // 4
  | "DuplicateNodeId" // 5
  | "NodeBusy" // 6
  | "InternalFailure"; // 10

/** All RefuseReason names, in enumeration order. */
export const REFUSE_REASONS: readonly RefuseReason[] = [
  "DuplicateNeighbor",
  "DuplicateNodeId",
  "NodeBusy",
];

/** All DisconnectReason names, in enumeration order. */
export const DISCONNECT_REASONS: readonly DisconnectReason[] = [
  "LeavingMesh",
  "NotUsefulNeighbor",
  "DuplicateNeighbor",
  "DuplicateNodeId",
  "NodeBusy",
  "InternalFailure",
];

/** The EnumerationValue Windows writes for each reason (WINDOWS-NOTES §1.2, PeerCloseReason). */
export const REASON_VALUES: Readonly<Record<DisconnectReason, number>> = {
  LeavingMesh: 2,
  NotUsefulNeighbor: 3,
  DuplicateNeighbor: 4,
  DuplicateNodeId: 5,
  NodeBusy: 6,
  InternalFailure: 10,
};

/** True if `x` is one of the MC-PRCH §2.2.2.4 RefuseReason names. */
export function isRefuseReason(x: unknown): x is RefuseReason {
  return typeof x === "string" && (REFUSE_REASONS as readonly string[]).includes(x);
}

/** True if `x` is one of the MC-PRCH §2.2.2.5 DisconnectReason names. */
export function isDisconnectReason(x: unknown): x is DisconnectReason {
  return typeof x === "string" && (DISCONNECT_REASONS as readonly string[]).includes(x);
}

/** MC-PRCH §2.2.3.3 Connect (ConnectInfo). */
export interface ConnectMessage {
  readonly kind: "Connect";
  readonly Address: PeerNodeAddress;
  readonly NodeId: bigint;
}

/** MC-PRCH §2.2.3.4 Welcome (WelcomeInfo). */
export interface WelcomeMessage {
  readonly kind: "Welcome";
  readonly NodeId: bigint;
  readonly Referrals: readonly Referral[];
}

/** MC-PRCH §2.2.3.5 Refuse (RefuseInfo). A decoder passes unknown reason names through as strings. */
export interface RefuseMessage {
  readonly kind: "Refuse";
  readonly Reason: RefuseReason | (string & {});
  readonly Referrals: readonly Referral[];
}

/** MC-PRCH §2.2.3.6 Disconnect (DisconnectInfo). A decoder passes unknown reason names through. */
export interface DisconnectMessage {
  readonly kind: "Disconnect";
  readonly Reason: DisconnectReason | (string & {});
  readonly Referrals: readonly Referral[];
}

/** MC-PRCH §2.2.3.8 LinkUtility (LinkUtilityInfo); both are xs:unsignedInt. */
export interface LinkUtilityMessage {
  readonly kind: "LinkUtility";
  readonly Useful: number;
  readonly Total: number;
}

/** MC-PRCH §2.2.3.9 Ping: no body. */
export interface PingMessage {
  readonly kind: "Ping";
}

/** MC-PRCH §3.1.5.8 Fault: a SOAP fault on the neighbor link; the details do not matter to the engine. */
export interface FaultMessage {
  readonly kind: "Fault";
  readonly Reason?: string;
}

/** MC-PRCH §2.2.3.1 RequestSecurityToken carrying a PeerHashToken authenticator (base64 text). */
export interface RequestSecurityTokenMessage {
  readonly kind: "RequestSecurityToken";
  readonly Authenticator: string;
}

/** The WS-Trust status code a valid RSTR carries (MC-PRCH §2.2.3.2). */
export const RSTR_STATUS_VALID = "http://schemas.xmlsoap.org/ws/2005/02/trust/status/valid";

/** MC-PRCH §2.2.3.2 RequestSecurityTokenResponse: status code plus the responder's authenticator. */
export interface RequestSecurityTokenResponseMessage {
  readonly kind: "RequestSecurityTokenResponse";
  readonly Status: string;
  readonly Authenticator: string;
}

/** The value of the FloodMessage header (MC-PRCH §2.2.2.6). */
export const PEER_FLOODER = "PeerFlooder";

/**
 * MC-PRCH §2.2.3.7 flood (application) message, as the engine sees it: the four peer headers, the
 * optional hop count, and an opaque payload handle `P` the transport uses to forward the received
 * bytes without re-encoding (it only rewrites the hop count header in place).
 */
export interface FloodMessage<P = unknown> {
  readonly kind: "Flood";
  /** Header `ns:MessageID`: `urn:uuid:{guid}` text. */
  readonly MessageID: string;
  /**
   * The 16 bytes of the `MessageID` GUID in the order a UniqueId record carries them (.NET
   * `Guid.ToByteArray`), as a one-byte string (char code = byte value), when the host read them
   * from the wire: the engine's dedup key (WINDOWS-NOTES §1.3 — Windows keys by the GUID bytes),
   * so `MessageID` is then not parsed (and may be built lazily). Without it the engine derives
   * the key from `MessageID` ({@link messageKeyOf}). It must be the GUID `MessageID` names.
   */
  readonly messageKey?: string | undefined;
  /** Header `ns:FloodMessage`: must be exactly `PeerFlooder`. */
  readonly FloodMessage: string;
  /** Header `ns:PeerVia`: the channel type URI the message targets. */
  readonly PeerVia: string;
  /** Header `ns:PeerTo`: the original wsa:To (normally equal to PeerVia). */
  readonly PeerTo: string;
  /**
   * Header `Hops` in `ns/HopCount` (WINDOWS-NOTES §1.3; the spec calls it PeerHopCount), absent when
   * the message carries no hop limit. A decoder passes an unparseable value through as its text.
   */
  readonly Hops?: bigint | string | undefined;
  /** Signature value when the message is signed (used as the dedup key, MC-PRCH §3.2.4.1.1). */
  readonly Signature?: Uint8Array | undefined;
  /**
   * Whether the signature verified; set by the security layer. Only read when the target channel
   * expects signed messages.
   */
  readonly SignatureValid?: boolean | undefined;
  /** Encoded size in bytes (for the per-channel delivery limit). */
  readonly size: number;
  /** Opaque handle to the message bytes/body; the engine never looks inside. */
  readonly payload: P;
}

/** Every message the engine sends or receives on a neighbor link. */
export type PeerMessage<P = unknown> =
  | ConnectMessage
  | WelcomeMessage
  | RefuseMessage
  | DisconnectMessage
  | LinkUtilityMessage
  | PingMessage
  | FaultMessage
  | RequestSecurityTokenMessage
  | RequestSecurityTokenResponseMessage
  | FloodMessage<P>;
