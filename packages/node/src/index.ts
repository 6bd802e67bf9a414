/**
 * @prch/node — Peer Channel for Node.js: open a node, join a mesh, send and
 * receive on channels.
 * @packageDocumentation
 */
export { PeerChannel, type PeerChannelEvents, type SendOptions } from "./channel.js";
export { PeerNodeError, type PeerNodeErrorCode } from "./errors.js";
export { type MessageBody, ReceivedMessage, type ScannedDelivery } from "./message.js";
export {
  type Neighbor,
  type NodeActivity,
  type NodeObserver,
  type NodeSnapshot,
  PeerNode,
  type PeerNodeEvents,
  type PeerNodeOptions,
  type PeerNodeStats,
  type NodeSecurityOptions,
  type Resolver,
} from "./peer-node.js";
