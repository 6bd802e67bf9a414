// @prch/mesh-core: the Peer Channel protocol engine (MC-PRCH §3), sans-IO.
export {
  type AddressProblem,
  addressProblem,
  isIPAddress,
  isUri,
  MAX_IP_ADDRESSES,
  MAX_URI_LENGTH,
  maskScopes,
  parseIPv4,
  parseIPv6,
  referralProblem,
  servicePath,
} from "./address.js";
export { DEFAULT_CONFIG, type MeshConfig, resolveConfig, type SecurityConfig } from "./config.js";
export {
  type ChannelRegistration,
  type MeshCounters,
  MeshEngine,
  type MeshEngineOptions,
  messageKeyOf,
  type NeighborInfo,
} from "./engine.js";
export { MeshError, type MeshErrorCode } from "./errors.js";
export type {
  AppMessage,
  CloseReason,
  ConnectionState,
  ConnId,
  MeshAction,
  MeshEvent,
  TimerId,
} from "./events.js";
export { MessageIdCache } from "./message-cache.js";
export {
  type ConnectMessage,
  DISCONNECT_REASONS,
  type DisconnectMessage,
  type DisconnectReason,
  type FaultMessage,
  type FloodMessage,
  isDisconnectReason,
  isRefuseReason,
  type LinkUtilityMessage,
  PEER_FLOODER,
  type PeerMessage,
  type PeerNodeAddress,
  type PingMessage,
  REASON_VALUES,
  REFUSE_REASONS,
  type Referral,
  type RefuseMessage,
  type RefuseReason,
  type RequestSecurityTokenMessage,
  type RequestSecurityTokenResponseMessage,
  RSTR_STATUS_VALID,
  type WelcomeMessage,
} from "./messages.js";
export {
  type RandomSource,
  randomFloat,
  randomGuid,
  randomInt,
  randomNodeId,
  seededRandom,
  shuffle,
} from "./random.js";
export { type CachedReferral, ReferralCache } from "./referral-cache.js";
export {
  isTrusted,
  LINK_UTILITY_MAX,
  LINK_UTILITY_TRUSTED_AFTER,
  type LinkUtilityIndex,
  newLinkUtility,
  updateLinkUtility,
} from "./utility.js";
