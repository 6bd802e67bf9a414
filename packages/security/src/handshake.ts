import { SecurityError, type SecurityErrorCode } from "./errors.js";
import { computePeerHashToken, verifyPeerHashToken } from "./token.js";

/** wst:TokenType of the PeerHashToken (MC-PRCH §2.2.3.1). */
export const PEER_HASH_TOKEN_TYPE = "http://schemas.microsoft.com/net/2006/05/peer/peerhashtoken";
/** wst:RequestType of the RST (MC-PRCH §2.2.3.1). */
export const TRUST_VALIDATE_REQUEST_TYPE = "http://schemas.xmlsoap.org/ws/2005/02/trust/Validate";
/** wst:Status/wst:Code of a successful RSTR (MC-PRCH §2.2.3.2). */
export const TRUST_STATUS_VALID = "http://schemas.xmlsoap.org/ws/2005/02/trust/status/valid";
/** wst:Status/wst:Code Windows writes for an invalid token (never sent: it aborts instead). */
export const TRUST_STATUS_INVALID = "http://schemas.xmlsoap.org/ws/2005/02/trust/status/invalid";
/** The WS-Trust February 2005 namespace of the RST/RSTR bodies. */
export const WS_TRUST_2005_02_NAMESPACE = "http://schemas.xmlsoap.org/ws/2005/02/trust";
/** wsa:Action of the RST: the bare element name (WINDOWS-NOTES §1.2). */
export const RST_ACTION = "RequestSecurityToken";
/** wsa:Action of the RSTR: the bare element name (WINDOWS-NOTES §1.2). */
export const RSTR_ACTION = "RequestSecurityTokenResponse";
/**
 * Security handshake timer. Windows uses 2 minutes
 * (PeerChannelAuthenticatorExtension.Timeout); MC-PRCH §3.1.2 says 1 minute.
 * We follow Windows (WINDOWS-NOTES §1.6).
 */
export const SECURITY_HANDSHAKE_TIMEOUT_MS = 120_000;

/** The body of a RequestSecurityToken, as @prch/soap decodes it. */
export interface RequestSecurityToken {
  /** wst:TokenType text. */
  readonly tokenType: string;
  /** wst:RequestType text. */
  readonly requestType: string;
  /**
   * wst:RequestedSecurityToken/peer:PeerHashToken/peer:Authenticator: the
   * base64 text, or the bytes already decoded from it (what @prch/soap's
   * parseRequestSecurityToken returns); undefined if absent.
   */
  readonly authenticator: string | Uint8Array | undefined;
}

/** The body of a RequestSecurityTokenResponse, as @prch/soap decodes it. */
export interface RequestSecurityTokenResponse {
  /** wst:TokenType text. */
  readonly tokenType: string;
  /** wst:Status/wst:Code text; undefined if absent. */
  readonly statusCode: string | undefined;
  /** As in {@link RequestSecurityToken}: base64 text or decoded bytes; undefined if absent. */
  readonly authenticator: string | Uint8Array | undefined;
}

/** What the transport hands the handshake: one decoded message, or a decoding failure. */
export type HandshakeInput =
  | { readonly kind: "rst"; readonly body: RequestSecurityToken }
  | { readonly kind: "rstr"; readonly body: RequestSecurityTokenResponse }
  /** An RST/RSTR action whose body could not be decoded. */
  | { readonly kind: "malformed"; readonly action: string; readonly reason: string }
  /** Any other message (Connect, Ping, a flood…) on a link that is not yet authenticated. */
  | { readonly kind: "other"; readonly action: string };

/** What the handshake asks the transport to do. */
export type HandshakeAction =
  | {
      readonly type: "send-rst";
      readonly action: typeof RST_ACTION;
      /** The body to send; `authenticator` is base64 text. */
      readonly body: RequestSecurityToken & { readonly authenticator: string };
      /** The same authenticator as raw bytes (what @prch/soap's message builders take). */
      readonly authenticator: Uint8Array;
    }
  | {
      readonly type: "send-rstr";
      readonly action: typeof RSTR_ACTION;
      /** The body to send; `authenticator` is base64 text. */
      readonly body: RequestSecurityTokenResponse & { readonly authenticator: string };
      /** The same authenticator as raw bytes. */
      readonly authenticator: Uint8Array;
    }
  /** The link is Authenticated: start the Connect handshake timer (MC-PRCH §3.1.5.1.1). */
  | { readonly type: "authenticated" }
  /** Abort the link without replying (MC-PRCH §2.2.3.2, §3.1.6.1). */
  | { readonly type: "abort"; readonly error: SecurityError };

/** Handshake states; `created` is MC-PRCH §3.1.1's Created ConnectionState. */
export type HandshakeState = "created" | "awaiting-rstr" | "authenticated" | "failed";

/** Configuration of one link's password handshake. */
export interface PasswordHandshakeOptions {
  /** Which side opened the TCP connection. Only the initiator sends an RST. */
  readonly role: "initiator" | "responder";
  /** The mesh password (trimmed as .NET trims it). */
  readonly password: string;
  /** CAPI blob of the certificate we presented in TLS (see capiBlobFromCertificate). */
  readonly localKeyBlob: Uint8Array;
  /** CAPI blob of the certificate the peer presented in TLS on this very connection. */
  readonly remoteKeyBlob: Uint8Array;
  /** Current time in milliseconds (any monotonic clock), when the TLS session came up. */
  readonly now: number;
  /** Handshake timer; default {@link SECURITY_HANDSHAKE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

function fail(code: SecurityErrorCode, message: string): HandshakeAction {
  return { type: "abort", error: new SecurityError(code, message) };
}

function sameUri(a: string | undefined, b: string): boolean {
  // Windows compares TokenType and Status/Code trimmed and case-insensitively
  // (PeerRequestSecurityTokenResponse.CreateHashTokenFrom).
  return a !== undefined && a.trim().toLowerCase() === b.toLowerCase();
}

/**
 * The RST/RSTR password handshake of one neighbor link, sans I/O
 * (MC-PRCH §3.1.5.1, §3.1.6.4.8; WINDOWS-NOTES §1.6):
 *
 * - the initiator sends an RST carrying its own token and waits for the RSTR;
 * - the responder checks the RST token against the key the initiator showed
 *   in TLS, and answers an RSTR with its own token, or aborts without reply;
 * - the initiator checks the responder's token against the responder's TLS key;
 * - anything else before authentication, or the 2-minute timer, aborts.
 *
 * Because each token is bound to the TLS key of the connection it is checked
 * on, a token replayed from another connection (another certificate) fails.
 * Time is injected: call {@link tick} when {@link deadline} passes.
 */
export class PasswordHandshake {
  readonly role: "initiator" | "responder";
  /** Time (same clock as `now`) at which the handshake gives up. */
  readonly deadline: number;
  private current: HandshakeState = "created";
  private started = false;
  private readonly password: string;
  private readonly localToken: string;
  private readonly remoteKeyBlob: Uint8Array;

  constructor(opts: PasswordHandshakeOptions) {
    if (opts.password.length === 0) {
      throw new SecurityError("invalid-argument", "password mode needs a non-empty mesh password");
    }
    this.role = opts.role;
    this.password = opts.password;
    this.localToken = computePeerHashToken(opts.password, opts.localKeyBlob);
    this.remoteKeyBlob = opts.remoteKeyBlob.slice();
    this.deadline = opts.now + (opts.timeoutMs ?? SECURITY_HANDSHAKE_TIMEOUT_MS);
  }

  /** Current state. */
  get state(): HandshakeState {
    return this.current;
  }

  /** Starts the exchange: the initiator's first action is sending the RST; the responder waits. */
  start(now: number): HandshakeAction[] {
    const expired = this.tick(now);
    if (expired.length > 0) return expired;
    if (this.started || this.current !== "created") return [];
    this.started = true;
    if (this.role === "responder") return [];
    this.current = "awaiting-rstr";
    return [
      {
        type: "send-rst",
        action: RST_ACTION,
        body: {
          tokenType: PEER_HASH_TOKEN_TYPE,
          requestType: TRUST_VALIDATE_REQUEST_TYPE,
          authenticator: this.localToken,
        },
        authenticator: this.localTokenBytes(),
      },
    ];
  }

  /** Feeds one received message. Messages after success or failure are ignored (returns []). */
  receive(input: HandshakeInput, now: number): HandshakeAction[] {
    if (this.current === "failed" || this.current === "authenticated") return [];
    const expired = this.tick(now);
    if (expired.length > 0) return expired;
    switch (input.kind) {
      case "malformed":
        return this.abort("malformed-message", `malformed ${input.action}: ${input.reason}`);
      case "other":
        return this.abort(
          "unexpected-message",
          `${input.action} received before the password handshake completed`,
        );
      case "rst":
        return this.onRst(input.body);
      case "rstr":
        return this.onRstr(input.body);
    }
  }

  /** Advances the clock; aborts with `handshake-timeout` once the deadline has passed. */
  tick(now: number): HandshakeAction[] {
    if (this.current === "failed" || this.current === "authenticated") return [];
    if (now < this.deadline) return [];
    return this.abort("handshake-timeout", "security handshake timer expired (MC-PRCH §3.1.6.1)");
  }

  private onRst(body: RequestSecurityToken): HandshakeAction[] {
    // MC-PRCH §3.1.5.1.1.1: only a responder still in Created may take an RST.
    if (this.role !== "responder" || this.current !== "created") {
      return this.abort("unexpected-message", "RequestSecurityToken not expected here");
    }
    if (!sameUri(body.tokenType, PEER_HASH_TOKEN_TYPE)) {
      return this.abort("malformed-message", "RST TokenType is not peerhashtoken");
    }
    if (!sameUri(body.requestType, TRUST_VALIDATE_REQUEST_TYPE)) {
      return this.abort("malformed-message", "RST RequestType is not Validate");
    }
    if (body.authenticator === undefined) {
      return this.abort("malformed-message", "RST carries no PeerHashToken");
    }
    if (!verifyPeerHashToken(body.authenticator, this.password, this.remoteKeyBlob)) {
      // Abort without replying (MC-PRCH §2.2.3.2 note 10).
      return this.abort("token-mismatch", "initiator's PeerHashToken does not match");
    }
    this.current = "authenticated";
    return [
      {
        type: "send-rstr",
        action: RSTR_ACTION,
        body: {
          tokenType: PEER_HASH_TOKEN_TYPE,
          statusCode: TRUST_STATUS_VALID,
          authenticator: this.localToken,
        },
        authenticator: this.localTokenBytes(),
      },
      { type: "authenticated" },
    ];
  }

  private onRstr(body: RequestSecurityTokenResponse): HandshakeAction[] {
    // MC-PRCH §3.1.5.1.1.2: only the initiator, after sending its RST.
    if (this.role !== "initiator" || this.current !== "awaiting-rstr") {
      return this.abort("unexpected-message", "RequestSecurityTokenResponse not expected here");
    }
    if (!sameUri(body.tokenType, PEER_HASH_TOKEN_TYPE)) {
      return this.abort("malformed-message", "RSTR TokenType is not peerhashtoken");
    }
    if (!sameUri(body.statusCode, TRUST_STATUS_VALID)) {
      return this.abort("malformed-message", "RSTR status is not valid");
    }
    if (body.authenticator === undefined) {
      return this.abort("malformed-message", "RSTR carries no PeerHashToken");
    }
    if (!verifyPeerHashToken(body.authenticator, this.password, this.remoteKeyBlob)) {
      return this.abort("token-mismatch", "responder's PeerHashToken does not match");
    }
    this.current = "authenticated";
    return [{ type: "authenticated" }];
  }

  private localTokenBytes(): Uint8Array {
    return new Uint8Array(Buffer.from(this.localToken, "base64"));
  }

  private abort(code: SecurityErrorCode, message: string): HandshakeAction[] {
    this.current = "failed";
    return [fail(code, message)];
  }
}
