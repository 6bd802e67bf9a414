export {
  acceptPeerVia,
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
export {
  type ConnectionEvents,
  type ConnectionOptions,
  NetTcpConnection,
  type TlsUpgrade,
} from "./connection.js";
export {
  type AnyIpAddress,
  type ConnectOptions,
  type ConnectorTls,
  connectNetTcp,
  type NetTcpAddress,
  socketHost,
  toIpAddress,
} from "./connector.js";
export {
  type ListenerEvents,
  type ListenerOptions,
  type ListenerTls,
  NetTcpListener,
} from "./listener.js";
export {
  MessageChannel,
  type MessageChannelEvents,
  type MessageChannelOptions,
} from "./message-channel.js";
export {
  acceptNeighbor,
  connectorTlsFor,
  dialNeighbor,
  listenerTlsFor,
  NeighborListener,
  type NeighborListenerEvents,
  type NeighborListenerOptions,
  type SecureLinkOptions,
} from "./secure-link.js";
export {
  AddressMonitor,
  type AddressMonitorEvents,
  type AddressMonitorOptions,
} from "./address-monitor.js";
