/**
 * @prch/security — Peer Channel security (MC-PRCH §1.3.6, §2.2.3, §5).
 * @packageDocumentation
 */
export * from "./capi.js";
export * from "./errors.js";
export * from "./identity.js";
export * from "./keys.js";
export * from "./pkcs12.js";
export * from "./token.js";
export * from "./handshake.js";
export * from "./tls.js";
export * from "./validator.js";
export * from "./signing.js";
