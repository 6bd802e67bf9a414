/**
 * @prch/collab — Peer-to-Peer Collaboration on prch: People Near Me,
 * contacts, invitations, presence and sessions hosted on a Peer Channel mesh.
 * @packageDocumentation
 */
export * from "./application.js";
export * from "./collab.js";
export * from "./contacts.js";
export * from "./endpoint.js";
export * from "./errors.js";
export * from "./frames.js";
export * from "./identity.js";
export * from "./invitations.js";
export * from "./messages.js";
export type { Messenger } from "./messenger.js";
export * from "./pnm.js";
export * from "./presence.js";
export * from "./seal.js";
export * from "./session.js";
