/**
 * `@prch/resolver-prcr`: the Peer Channel custom resolver (MC-PRCR) — the service behaviour with
 * pluggable registration stores (memory, Redis) and the client behaviour as a sans-IO state
 * machine. The net.tcp wiring comes on top of these.
 *
 * @packageDocumentation
 */
export {
  ResolverClient,
  type ResolverClientEvents,
  type ResolverClientConnectOptions,
} from "./client.js";
export {
  type ReferralPolicy,
  type ResolverClientAction,
  ResolverClientCore,
  type ResolverClientOptions,
  type ResolverClientTimer,
} from "./client-core.js";
export {
  ResolverError,
  type ResolverErrorCode,
  ResolverFaultError,
  ResolverQuotaError,
  type ResolverQuotaName,
} from "./errors.js";
export { MemoryRegistrationStore, type MemoryStoreOptions } from "./memory-store.js";
export {
  EMPTY_GUID,
  type Guid,
  isGuid,
  millisecondsToTimeSpan,
  normalizeGuid,
  type PeerNodeAddress,
  type RefreshInfo,
  type RefreshResponseInfo,
  type RefreshResult,
  type Register,
  type RegisterResponse,
  RESOLVER_OPERATIONS,
  type ResolveInfo,
  type ResolveResponseInfo,
  type ResolverOperation,
  type ResolverRequest,
  type ResolverResponse,
  type ServiceSettingsResponseInfo,
  TICKS_PER_MILLISECOND,
  type TimeSpan,
  timeSpanToMilliseconds,
  type UnregisterInfo,
  type UpdateInfo,
} from "./model.js";
export { DEFAULT_RESOLVER_QUOTAS, type ResolverQuotas } from "./quotas.js";
export { DEFAULT_RATE_LIMIT, type RateLimit, RequestRateLimiter } from "./rate-limit.js";
export {
  type CreateRedisStoreOptions,
  createRedisStore,
  type RedisCommander,
  RedisRegistrationStore,
  type RedisStoreOptions,
} from "./redis-store.js";
export {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  DEFAULT_REGISTRATION_LIFETIME_MS,
  type ResolverCounters,
  ResolverServiceCore,
  type ResolverServiceOptions,
} from "./service-core.js";
export type {
  RegistrationRecord,
  RegistrationStore,
  StoreLimits,
  StoreStats,
  StoreWriteResult,
} from "./store.js";
export {
  type ResolverLogEntry,
  ResolverService,
  type ResolverServiceCounters,
  type ResolverServiceEvents,
  type ResolverServiceHostOptions,
} from "./service.js";
export {
  ConnectionState,
  type DispatcherCounters,
  ResolverDispatcher,
  type ResolverDispatcherOptions,
} from "./service-dispatch.js";
export { servicePath } from "./validate.js";
export {
  actionNotSupportedFaultMessage,
  errorToFault,
  errorToFaultMessage,
  faultToError,
  messageToRequest,
  messageToResponse,
  nodeAddressFromWire,
  nodeAddressToWire,
  operationOfAction,
  REPLY_ACTIONS,
  REQUEST_ACTIONS,
  RESOLVER_FAULT_NAMESPACE,
  type ReplyAddressing,
  type RequestAddressing,
  requestToMessage,
  responseToMessage,
} from "./wire-mapping.js";
