import type { PeerRef, Person } from "./identity.js";
import type { MessageType, OpenedMessage } from "./messages.js";

/** @internal Sends a signed message to a person and returns their verified reply. */
export interface Messenger {
  readonly person: Person;
  send(peer: PeerRef, type: MessageType, body: unknown, timeoutMs?: number): Promise<OpenedMessage>;
}
