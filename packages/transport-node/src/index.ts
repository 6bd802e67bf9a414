export {
  type AddressOptions,
  addressKey,
  type InterfaceTable,
  localAddresses,
  nodeEndpointUri,
  viaFor,
} from "./addresses.js";
export { TransportError, type TransportErrorCode } from "./errors.js";
export { type IpAddress, isLoopback, parseIp, Scope, scopeOf, uriHost } from "./ip.js";
export { chooseSource, commonPrefixLength, sortDestinations } from "./rfc3484.js";
