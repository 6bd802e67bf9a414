import { constants, X509Certificate } from "node:crypto";
import * as tls from "node:tls";
import { SecurityError } from "./errors.js";
import { PasswordHandshake } from "./handshake.js";
import { createSelfSignedIdentity, identityTlsCredentials, type NodeIdentity } from "./identity.js";
import { capiBlobFromCertificate } from "./keys.js";
import type { CertificateValidator } from "./validator.js";

/** How a mesh secures its neighbor links (MC-PRCH §5; WINDOWS-NOTES §1.6). */
export type PeerSecurity =
  /** Plain TCP: no TLS upgrade at all. */
  | { readonly mode: "none" }
  /** TLS with any certificate; trust comes only from the PeerHashToken exchange. */
  | { readonly mode: "password"; readonly identity: NodeIdentity; readonly password: string }
  /** Mutual TLS; the validator decides which peer certificates are trusted. */
  | {
      readonly mode: "certificate";
      readonly identity: NodeIdentity;
      readonly validator: CertificateValidator;
    };

/** Knobs shared by the option builders. */
export interface PeerTlsTuning {
  /**
   * Lowest TLS version. Default "TLSv1.2". Old .NET Framework peers (before
   * 4.6 without SchUseStrongCrypto) only speak TLS 1.0; lowering this also
   * needs an OpenSSL security level that allows it — a deliberate choice.
   */
  readonly minVersion?: tls.SecureVersion;
  /** Highest TLS version; default Node's (TLS 1.3). */
  readonly maxVersion?: tls.SecureVersion;
}

/**
 * Both sides refuse TLS renegotiation: the PeerHashToken and the certificate
 * check are bound to the certificate of the first handshake, and a
 * renegotiation could swap it afterwards. Windows never needs one (the server
 * asks for the client certificate in the initial handshake).
 */
const NO_RENEGOTIATION = constants.SSL_OP_NO_RENEGOTIATION;

/** Options for the accepting side: `tls.createServer(opts)` or `new tls.TLSSocket(socket, { isServer: true, ...opts })`. */
export type PeerTlsServerOptions = tls.TlsOptions & {
  readonly requestCert: true;
  readonly secureContext: tls.SecureContext;
};

/**
 * node:tls options for the responder side of a neighbor link; `undefined` in
 * mode "none" (no upgrade). Windows requires a client certificate in both TLS
 * modes (SslStreamSecurityBindingElement.RequireClientCertificate = true).
 */
export function peerTlsServerOptions(
  security: PeerSecurity,
  tuning: PeerTlsTuning = {},
): PeerTlsServerOptions | undefined {
  if (security.mode === "none") return undefined;
  const creds = identityTlsCredentials(security.identity);
  // No `ca` here, on purpose: once OpenSSL has verified a client chain
  // itself, Node 24 stops exposing the client's intermediates through
  // getPeerCertificate(true), and CertificateValidator could no longer build
  // the path. The server asks for a client certificate and lets
  // authorizePeerCertificate() — which every certificate-mode link must pass
  // before any Peer Channel message — decide, the same check the stand-alone
  // TLSSocket of the NMF upgrade path relies on anyway.
  const base = {
    ...creds,
    minVersion: tuning.minVersion ?? "TLSv1.2",
    ...(tuning.maxVersion ? { maxVersion: tuning.maxVersion } : {}),
    secureOptions: NO_RENEGOTIATION,
  };
  return {
    ...base,
    secureContext: tls.createSecureContext(base),
    requestCert: true,
    // Password mode: Windows sets certificate validation to None; the token is
    // the only authentication. Certificate mode: authorizePeerCertificate().
    rejectUnauthorized: false,
  };
}

/**
 * node:tls options for the initiator side: `tls.connect({ socket, ...opts })`
 * over the NMF connection after the `application/ssl-tls` upgrade;
 * `undefined` in mode "none".
 */
export function peerTlsClientOptions(
  security: PeerSecurity,
  tuning: PeerTlsTuning = {},
): tls.ConnectionOptions | undefined {
  if (security.mode === "none") return undefined;
  const creds = identityTlsCredentials(security.identity);
  const ca = security.mode === "certificate" ? security.validator.rootsPem : [];
  return {
    ...creds,
    ...(ca.length > 0 ? { ca } : {}),
    minVersion: tuning.minVersion ?? "TLSv1.2",
    ...(tuning.maxVersion ? { maxVersion: tuning.maxVersion } : {}),
    secureOptions: NO_RENEGOTIATION,
    rejectUnauthorized: security.mode === "certificate" && ca.length > 0,
    // Mesh peers are dialled by IP literal and identified by certificate or
    // token, never by host name (PeerIdentityVerifier accepts any identity).
    checkServerIdentity: () => undefined,
  };
}

/** The certificate chain the peer presented, leaf first, as DER. */
export function peerCertificateChain(socket: tls.TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  // Bounded: a TLS peer cannot send more than a few dozen certificates.
  for (let i = 0; i < 32 && cert?.raw && !seen.has(cert.fingerprint256); i++) {
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  if (chain.length === 0)
    throw new SecurityError("no-peer-certificate", "peer presented no certificate");
  return chain;
}

const peerLeafCache = new WeakMap<tls.TLSSocket, X509Certificate>();

/**
 * The certificate the peer presented on this TLS connection.
 *
 * Deliberately not `socket.getPeerX509Certificate()`: on Node 20 (seen on
 * 20.20.2) a client-side socket loses its peer certificate after that call —
 * every later `getPeerX509Certificate()` or `getPeerCertificate()` returns
 * nothing. `getPeerCertificate()` can be called repeatedly, and the result
 * is cached per socket (renegotiation is refused, so it cannot change).
 */
export function peerCertificate(socket: tls.TLSSocket): X509Certificate {
  const cached = peerLeafCache.get(socket);
  if (cached) return cached;
  const raw = socket.getPeerCertificate(false)?.raw;
  if (!raw || raw.length === 0) {
    throw new SecurityError("no-peer-certificate", "peer presented no certificate");
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(raw);
  } catch (cause) {
    throw new SecurityError("malformed-certificate", "cannot parse peer certificate", { cause });
  }
  peerLeafCache.set(socket, cert);
  return cert;
}

/**
 * CAPI blob of the RSA key the peer presented on this TLS connection — the
 * key its PeerHashToken must be bound to (MC-PRCH §3.1.5.1.1.1, §5.1).
 */
export function peerKeyBlob(socket: tls.TLSSocket): Uint8Array {
  return capiBlobFromCertificate(peerCertificate(socket));
}

/** CAPI blob of the certificate we presented on this TLS connection. */
export function localKeyBlob(socket: tls.TLSSocket): Uint8Array {
  const cert = socket.getX509Certificate();
  if (!cert)
    throw new SecurityError("invalid-argument", "this TLS socket presented no certificate");
  return capiBlobFromCertificate(cert);
}

/**
 * Certificate mode: validates the peer's chain after the TLS handshake.
 * Must be called on every new link before any Peer Channel message; throws
 * a {@link SecurityError} (abort the link) when the peer is not trusted.
 * It is the only check on a stand-alone server `TLSSocket` (the NMF upgrade
 * path), where Node does not act on `rejectUnauthorized`.
 */
export function authorizePeerCertificate(
  socket: tls.TLSSocket,
  validator: CertificateValidator,
  now: Date = new Date(),
): X509Certificate[] {
  return validator.validate(peerCertificateChain(socket), now);
}

/**
 * Password mode: a {@link PasswordHandshake} for a freshly secured link,
 * bound to the certificates both sides presented on `socket`.
 */
export function passwordHandshakeFor(
  socket: tls.TLSSocket,
  security: Extract<PeerSecurity, { mode: "password" }>,
  role: "initiator" | "responder",
  now: number,
  timeoutMs?: number,
): PasswordHandshake {
  return new PasswordHandshake({
    role,
    password: security.password,
    localKeyBlob: localKeyBlob(socket),
    remoteKeyBlob: peerKeyBlob(socket),
    now,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * Password-mode settings as Windows builds them: when the application gives
 * no certificate, a fresh self-signed `CN={GUID}` RSA-2048 one is made
 * (PeerSecurityManager.GetCertificate; WINDOWS-NOTES §1.6).
 */
export async function passwordSecurity(
  password: string,
  identity?: NodeIdentity,
): Promise<Extract<PeerSecurity, { mode: "password" }>> {
  if (password.length === 0) {
    // PeerSecurityManager refuses a null or empty MeshPassword.
    throw new SecurityError("invalid-argument", "password mode needs a non-empty mesh password");
  }
  return { mode: "password", password, identity: identity ?? (await createSelfSignedIdentity()) };
}
