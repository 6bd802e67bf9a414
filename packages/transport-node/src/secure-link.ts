import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { TLSSocket } from "node:tls";
import {
  authorizePeerCertificate,
  type HandshakeAction,
  type HandshakeInput,
  capiBlobFromCertificate,
  localKeyBlob,
  PasswordHandshake,
  type PeerSecurity,
  type PeerTlsTuning,
  SecurityError,
  peerTlsClientOptions,
  peerTlsServerOptions,
} from "@prch/security";
import {
  classifyPeerMessage,
  createRequestSecurityTokenMessage,
  createRequestSecurityTokenResponseMessage,
  type Message,
  parseRequestSecurityToken,
  parseRequestSecurityTokenResponse,
} from "@prch/soap";
import type { NetTcpConnection } from "./connection.js";
import {
  type ConnectOptions,
  type ConnectorTls,
  connectNetTcp,
  type NetTcpAddress,
} from "./connector.js";
import { TransportError } from "./errors.js";
import { armDeadline } from "./deadline.js";
import { type ListenerOptions, type ListenerTls, NetTcpListener } from "./listener.js";
import { MessageChannel, type MessageChannelOptions } from "./message-channel.js";

/** How neighbor links are secured and authenticated. */
export interface SecureLinkOptions {
  /** The mesh's security mode and credentials (MC-PRCH §5, WINDOWS-NOTES §1.6). */
  readonly security: PeerSecurity;
  /** wsa:To of the RST/RSTR; on neighbor traffic `net.p2p://{meshId}/` (WINDOWS-NOTES §1.1). */
  readonly to?: string;
  /** Password handshake timer; default 120 000 ms (Windows; the spec says 1 minute). */
  readonly handshakeTimeoutMs?: number;
  /** TLS knobs (minimum version). */
  readonly tls?: PeerTlsTuning;
  /** Decoder quotas and request limits of the resulting channel. */
  readonly channel?: MessageChannelOptions;
}

/** Client-side TLS for a security mode: `undefined` in mode "none". */
export function connectorTlsFor(
  security: PeerSecurity,
  tuning?: PeerTlsTuning,
): ConnectorTls | undefined {
  const options = peerTlsClientOptions(security, tuning);
  if (options === undefined) return undefined;
  return { options, verify: verifierFor(security) };
}

/** Server-side TLS for a security mode: `undefined` in mode "none". */
export function listenerTlsFor(
  security: PeerSecurity,
  tuning?: PeerTlsTuning,
): ListenerTls | undefined {
  const options = peerTlsServerOptions(security, tuning);
  if (options === undefined) return undefined;
  return { options, verify: verifierFor(security) };
}

function verifierFor(security: PeerSecurity): (s: TLSSocket) => void {
  if (security.mode === "certificate") {
    // The gate on both sides: a stand-alone server TLSSocket ignores rejectUnauthorized.
    return (s) => {
      authorizePeerCertificate(s, security.validator);
    };
  }
  // Password mode: any certificate, but there must be one — the token is bound to its key.
  return (s) => {
    remoteKeyBlob(s);
  };
}

/**
 * CAPI blob of the key the peer showed in TLS. Read through
 * getPeerCertificate(): on Node 20 a client TLSSocket's
 * getPeerX509Certificate() works once only, and after it even
 * getPeerCertificate() comes back empty, so @prch/security's peerKeyBlob()
 * (which uses it) cannot be called twice on the dialling side.
 */
function remoteKeyBlob(socket: TLSSocket): Uint8Array {
  const raw = socket.getPeerCertificate()?.raw;
  if (raw === undefined || raw.length === 0)
    throw new SecurityError("no-peer-certificate", "peer presented no certificate");
  return capiBlobFromCertificate(new Uint8Array(raw));
}

/**
 * Opens an authenticated neighbor link (MC-PRCH §3.1.6.4.3–§3.1.6.4.8):
 * net.tcp with TLS in the secured modes, then — in password mode — the
 * RST/RSTR exchange, which this side starts as the requesting node. The
 * channel comes back **paused** and ready for the Connect handshake:
 * attach handlers, then `resumeReading()`.
 */
export async function dialNeighbor(
  address: NetTcpAddress,
  options: SecureLinkOptions & { readonly connect?: Omit<ConnectOptions, "tls"> },
): Promise<MessageChannel> {
  const tls = connectorTlsFor(options.security, options.tls);
  const conn = await connectNetTcp(address, {
    ...options.connect,
    ...(tls !== undefined ? { tls } : {}),
  });
  return authenticate(
    conn,
    "initiator",
    withDocumentLimit(options, options.connect?.maxMessageSize),
  );
}

/**
 * The responder's half of {@link dialNeighbor} on an accepted connection:
 * waits for the RST in password mode, answers it or aborts silently. The
 * channel comes back paused.
 */
export function acceptNeighbor(
  connection: NetTcpConnection,
  options: SecureLinkOptions,
): Promise<MessageChannel> {
  return authenticate(connection, "responder", options);
}

async function authenticate(
  conn: NetTcpConnection,
  role: "initiator" | "responder",
  options: SecureLinkOptions,
): Promise<MessageChannel> {
  const channel = new MessageChannel(conn, options.channel);
  const sec = options.security;
  if (sec.mode !== "password") return channel;
  const socket = conn.tlsSocket;
  if (socket === undefined) {
    const e = new TransportError("SecurityFailed", "password mode needs a TLS link");
    channel.abort(e);
    throw e;
  }
  let hs: PasswordHandshake;
  try {
    hs = new PasswordHandshake({
      role,
      password: sec.password,
      localKeyBlob: localKeyBlob(socket),
      remoteKeyBlob: remoteKeyBlob(socket),
      now: Date.now(),
      ...(options.handshakeTimeoutMs !== undefined
        ? { timeoutMs: options.handshakeTimeoutMs }
        : {}),
    });
  } catch (e) {
    const err = new TransportError("SecurityFailed", (e as Error).message, { cause: e });
    channel.abort(err);
    throw err;
  }
  return new Promise<MessageChannel>((resolve, reject) => {
    let done = false;
    let rstId: string | undefined;
    const cleanup = () => {
      done = true;
      cancelTimer();
      channel.off("message", onMessage);
      channel.off("closed", onClosed);
    };
    const fail = (e: TransportError) => {
      if (done) return;
      cleanup();
      channel.abort(e);
      reject(e);
    };
    const act = (actions: readonly HandshakeAction[]) => {
      for (const a of actions) {
        if (done) return;
        switch (a.type) {
          case "send-rst": {
            const id = `urn:uuid:${randomUUID()}`;
            channel.send(
              createRequestSecurityTokenMessage(Buffer.from(a.body.authenticator ?? "", "base64"), {
                messageId: id,
                ...(options.to !== undefined ? { to: options.to } : {}),
              }),
            );
            break;
          }
          case "send-rstr":
            channel.send(
              createRequestSecurityTokenResponseMessage(
                Buffer.from(a.body.authenticator ?? "", "base64"),
                { relatesTo: rstId ?? `urn:uuid:${randomUUID()}` },
              ),
            );
            break;
          case "authenticated":
            // Hold whatever follows (the Connect) for the link's owner.
            channel.pauseReading();
            cleanup();
            resolve(channel);
            return;
          case "abort":
            // MC-PRCH §2.2.3.2: the responder closes without a reply.
            fail(
              new TransportError(
                "SecurityFailed",
                `password handshake failed: ${a.error.message}`,
                {
                  cause: a.error,
                },
              ),
            );
            return;
        }
      }
    };
    const onMessage = (m: Message) => {
      if (done) return;
      if (m.action === "RequestSecurityToken" && m.messageId !== undefined) rstId = m.messageId;
      act(hs.receive(toHandshakeInput(m), Date.now()));
    };
    const onClosed = (e: TransportError | undefined) =>
      fail(
        new TransportError(
          "SecurityFailed",
          `the link closed during the password handshake${e ? `: ${e.message}` : ""}`,
          { cause: e },
        ),
      );
    // MC-PRCH §2.2.3.2: the handshake's own timer; armDeadline waits until Date.now() agrees.
    const cancelTimer = armDeadline(hs.deadline, () => act(hs.tick(Date.now())));
    channel.on("message", onMessage);
    channel.once("closed", onClosed);
    try {
      act(hs.start(Date.now()));
    } catch (e) {
      fail(
        e instanceof TransportError
          ? e
          : new TransportError("SecurityFailed", (e as Error).message, { cause: e }),
      );
      return;
    }
    if (!done) channel.resumeReading();
  });
}

/** What the password handshake makes of a received message. */
function toHandshakeInput(m: Message): HandshakeInput {
  const kind = classifyPeerMessage(m);
  const action = m.action ?? "";
  try {
    if (kind === "requestSecurityToken") {
      const b = parseRequestSecurityToken(m);
      return {
        kind: "rst",
        body: {
          tokenType: b.tokenType,
          requestType: b.requestType,
          authenticator: Buffer.from(b.authenticator).toString("base64"),
        },
      };
    }
    if (kind === "requestSecurityTokenResponse") {
      const b = parseRequestSecurityTokenResponse(m);
      return {
        kind: "rstr",
        body: {
          tokenType: b.tokenType,
          statusCode: b.statusCode,
          authenticator: Buffer.from(b.authenticator).toString("base64"),
        },
      };
    }
  } catch (e) {
    return { kind: "malformed", action, reason: (e as Error).message };
  }
  return { kind: "other", action };
}

/**
 * One message-size limit for framing and decoding: a raised NMF
 * `maxMessageSize` also raises the SOAP decoder's document limit, unless
 * the channel quotas say otherwise.
 */
function withDocumentLimit(options: SecureLinkOptions, maxMessageSize: number | undefined) {
  if (maxMessageSize === undefined || options.channel?.quotas?.maxDocumentSize !== undefined)
    return options;
  return {
    ...options,
    channel: {
      ...options.channel,
      quotas: { ...options.channel?.quotas, maxDocumentSize: maxMessageSize },
    },
  };
}

/** Options of a {@link NeighborListener}. */
export interface NeighborListenerOptions extends SecureLinkOptions, Omit<ListenerOptions, "tls"> {}

/** Events of a {@link NeighborListener}. */
export interface NeighborListenerEvents {
  /** An authenticated link, paused: attach handlers, then `resumeReading()`. */
  link: [channel: MessageChannel];
  /** A connection that failed before it was authenticated. Informational. */
  rejected: [error: TransportError, remote: string | undefined];
}

/**
 * A node's listening side: a {@link NetTcpListener} secured for the mesh's
 * mode that hands out authenticated {@link MessageChannel}s.
 */
export class NeighborListener extends EventEmitter<NeighborListenerEvents> {
  /** The listener underneath. */
  readonly listener: NetTcpListener;

  constructor(options: NeighborListenerOptions) {
    super();
    const tls = listenerTlsFor(options.security, options.tls);
    const { tls: _tuning, ...rest } = options;
    this.listener = new NetTcpListener({ ...rest, ...(tls !== undefined ? { tls } : {}) });
    this.listener.on("rejected", (e, r) => this.emit("rejected", e, r));
    this.listener.on("connection", (conn) => {
      const remote = conn.remoteAddress?.address;
      acceptNeighbor(conn, withDocumentLimit(options, options.maxMessageSize)).then(
        (ch) => {
          if (ch.isOpen) this.emit("link", ch);
        },
        (e: TransportError) => this.emit("rejected", e, remote),
      );
    });
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    return this.listener.listen();
  }

  /** The bound port. */
  get port(): number {
    return this.listener.port;
  }

  /** Stops listening and closes every link. */
  close(): Promise<void> {
    return this.listener.close();
  }
}
