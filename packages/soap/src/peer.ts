import { NS, PEER_ACTIONS, PEER_FLOODER, PEER_TRUST, WSA } from "./constants.js";
import type { DataContract } from "./datacontract.js";
import { D, sessionString } from "./dictionary.js";
import { guardNbfs, SoapError } from "./errors.js";
import {
  createHeader,
  dataContractBody,
  type Header,
  Message,
  type MessageVersion,
  ReceivedHeader,
} from "./message.js";
import {
  type ConnectInfo,
  dcConnectInfo,
  dcDisconnectInfo,
  dcLinkUtilityInfo,
  dcRefuseInfo,
  dcWelcomeInfo,
  type DisconnectInfo,
  type LinkUtilityInfo,
  type RefuseInfo,
  type WelcomeInfo,
} from "./shapes.js";
import { valueToBytes, valueToString, valueToUInt64 } from "./values.js";
import { childPath, type XmlIn, type XmlOut } from "./xmlio.js";

/** Options shared by the Peer Channel message builders. */
export interface PeerMessageOptions {
  /** wsa:To; on neighbor traffic `net.p2p://{meshId}/` (WINDOWS-NOTES §1.1). */
  readonly to?: string;
  readonly version?: MessageVersion;
}

function peerMessage<T>(
  action: string,
  type: DataContract<T>,
  rootName: string,
  value: T,
  options: PeerMessageOptions,
): Message {
  return new Message({
    ...(options.version !== undefined ? { version: options.version } : {}),
    action,
    ...(options.to !== undefined ? { to: options.to } : {}),
    body: dataContractBody(type, sessionString(rootName), sessionString(NS.peer), value),
  });
}

/** Connect (MC-PRCH §2.2.3.3). */
export function createConnectMessage(info: ConnectInfo, options: PeerMessageOptions = {}): Message {
  return peerMessage(PEER_ACTIONS.connect, dcConnectInfo, "Connect", info, options);
}

/** Welcome (MC-PRCH §2.2.3.4). */
export function createWelcomeMessage(info: WelcomeInfo, options: PeerMessageOptions = {}): Message {
  return peerMessage(PEER_ACTIONS.welcome, dcWelcomeInfo, "Welcome", info, options);
}

/** Refuse (MC-PRCH §2.2.3.5). */
export function createRefuseMessage(info: RefuseInfo, options: PeerMessageOptions = {}): Message {
  return peerMessage(PEER_ACTIONS.refuse, dcRefuseInfo, "Refuse", info, options);
}

/** Disconnect (MC-PRCH §2.2.3.6). */
export function createDisconnectMessage(
  info: DisconnectInfo,
  options: PeerMessageOptions = {},
): Message {
  return peerMessage(PEER_ACTIONS.disconnect, dcDisconnectInfo, "Disconnect", info, options);
}

/** LinkUtility (MC-PRCH §2.2.3.8). */
export function createLinkUtilityMessage(
  info: LinkUtilityInfo,
  options: PeerMessageOptions = {},
): Message {
  return peerMessage(PEER_ACTIONS.linkUtility, dcLinkUtilityInfo, "LinkUtility", info, options);
}

/** Ping (MC-PRCH §2.2.3.9): no body. */
export function createPingMessage(options: PeerMessageOptions = {}): Message {
  return new Message({
    ...(options.version !== undefined ? { version: options.version } : {}),
    action: PEER_ACTIONS.ping,
    ...(options.to !== undefined ? { to: options.to } : {}),
  });
}

/** The Peer Channel message kinds a neighbor can receive. */
export type PeerMessageKind =
  | "connect"
  | "welcome"
  | "refuse"
  | "disconnect"
  | "linkUtility"
  | "ping"
  | "fault"
  | "requestSecurityToken"
  | "requestSecurityTokenResponse"
  | "flood";

/**
 * Classifies a received neighbor message. Floods are recognised by their
 * FloodMessage header, not by action (WINDOWS-NOTES §1.3): the application
 * action is kept on flooded messages.
 */
export function classifyPeerMessage(msg: Message): PeerMessageKind | undefined {
  if (msg.headers.some((h) => h.name === "FloodMessage" && h.namespace === NS.peer)) return "flood";
  switch (msg.action) {
    case PEER_ACTIONS.connect:
      return "connect";
    case PEER_ACTIONS.welcome:
      return "welcome";
    case PEER_ACTIONS.refuse:
      return "refuse";
    case PEER_ACTIONS.disconnect:
      return "disconnect";
    case PEER_ACTIONS.linkUtility:
      return "linkUtility";
    case PEER_ACTIONS.ping:
      return "ping";
    case PEER_ACTIONS.fault:
    case WSA.fault10:
      return "fault";
    case PEER_ACTIONS.requestSecurityToken:
      return "requestSecurityToken";
    case PEER_ACTIONS.requestSecurityTokenResponse:
      return "requestSecurityTokenResponse";
    default:
      return undefined;
  }
}

function expectAction(msg: Message, action: string): void {
  if (msg.action !== action) {
    throw new SoapError(
      "invalid-value",
      `action ${JSON.stringify(msg.action)}, expected ${action}`,
      {
        path: "Envelope/Header/Action",
      },
    );
  }
}

function readPeerBody<T>(msg: Message, action: string, type: DataContract<T>, rootName: string): T {
  expectAction(msg, action);
  const v = msg.readBody(type, rootName, NS.peer);
  if (v === null) {
    throw new SoapError("nil-not-allowed", `${rootName} body is nil`, {
      path: `Envelope/Body/${rootName}`,
    });
  }
  return v;
}

/** Reads the body of a received Connect. */
export function parseConnect(msg: Message): ConnectInfo {
  return readPeerBody(msg, PEER_ACTIONS.connect, dcConnectInfo, "Connect");
}

/** Reads the body of a received Welcome. */
export function parseWelcome(msg: Message): WelcomeInfo {
  return readPeerBody(msg, PEER_ACTIONS.welcome, dcWelcomeInfo, "Welcome");
}

/** Reads the body of a received Refuse. */
export function parseRefuse(msg: Message): RefuseInfo {
  return readPeerBody(msg, PEER_ACTIONS.refuse, dcRefuseInfo, "Refuse");
}

/** Reads the body of a received Disconnect. */
export function parseDisconnect(msg: Message): DisconnectInfo {
  return readPeerBody(msg, PEER_ACTIONS.disconnect, dcDisconnectInfo, "Disconnect");
}

/** Reads the body of a received LinkUtility. */
export function parseLinkUtility(msg: Message): LinkUtilityInfo {
  return readPeerBody(msg, PEER_ACTIONS.linkUtility, dcLinkUtilityInfo, "LinkUtility");
}

/** Checks a received Ping (right action, empty body). */
export function parsePing(msg: Message): void {
  expectAction(msg, PEER_ACTIONS.ping);
  if (!msg.isEmpty)
    throw new SoapError("unexpected-element", "Ping must not have a body", {
      path: "Envelope/Body",
    });
}

// ---------------------------------------------------------------------------
// WS-Trust token exchange (MC-PRCH §2.2.3.1–§2.2.3.2, §4.1.1–§4.1.2).
// ---------------------------------------------------------------------------

/** The body of a RequestSecurityToken. */
export interface PeerTokenRequest {
  readonly tokenType: string;
  readonly requestType: string;
  /** The requester's PeerHashToken authenticator (HMAC-SHA256, 32 bytes). */
  readonly authenticator: Uint8Array;
}

/** The body of a RequestSecurityTokenResponse. */
export interface PeerTokenResponse {
  readonly tokenType: string;
  /** Status/Code; only `…/trust/status/valid` is legal. */
  readonly statusCode: string;
  /** The responder's PeerHashToken authenticator. */
  readonly authenticator: Uint8Array;
}

const T = {
  status: "Status",
  code: "Code",
  peerHashToken: "PeerHashToken",
  authenticator: "Authenticator",
};

function writePeerHashToken(out: XmlOut, authenticator: Uint8Array): void {
  out.startElement(D.RequestedSecurityToken, D.trustNs);
  out.startElement(T.peerHashToken, NS.peer, "peer");
  out.startElement(T.authenticator, NS.peer);
  out.writer.writeString(Buffer.from(authenticator).toString("base64"));
  out.endElement();
  out.endElement();
  out.endElement();
}

/** RequestSecurityToken carrying our PeerHashToken (sent by the initiator only). */
export function createRequestSecurityTokenMessage(
  authenticator: Uint8Array,
  options: PeerMessageOptions & { messageId: string },
): Message {
  return new Message({
    ...(options.version !== undefined ? { version: options.version } : {}),
    action: PEER_ACTIONS.requestSecurityToken,
    messageId: options.messageId,
    replyTo: { uri: WSA.anonymous10 },
    ...(options.to !== undefined ? { to: options.to } : {}),
    body: (out) => {
      out.startElement(D.RequestSecurityToken, D.trustNs, "t");
      out.textElement(D.TokenType, D.trustNs, PEER_TRUST.tokenType);
      out.textElement(D.RequestType, D.trustNs, PEER_TRUST.requestTypeValidate);
      writePeerHashToken(out, authenticator);
      out.endElement();
    },
  });
}

/** RequestSecurityTokenResponse with status valid and the responder's token. */
export function createRequestSecurityTokenResponseMessage(
  authenticator: Uint8Array,
  options: PeerMessageOptions & { relatesTo: string },
): Message {
  return new Message({
    ...(options.version !== undefined ? { version: options.version } : {}),
    action: PEER_ACTIONS.requestSecurityTokenResponse,
    relatesTo: { id: options.relatesTo },
    to: options.to ?? WSA.anonymous10,
    body: (out) => {
      out.startElement(D.RequestSecurityTokenResponse, D.trustNs, "t");
      out.xmlns("u", D.wsuNs);
      out.textElement(D.TokenType, D.trustNs, PEER_TRUST.tokenType);
      out.startElement(T.status, D.trustNs);
      out.textElement(T.code, D.trustNs, PEER_TRUST.statusValid);
      out.endElement();
      writePeerHashToken(out, authenticator);
      out.endElement();
    },
  });
}

function readAuthenticator(inp: XmlIn, path: string): Uint8Array {
  let auth: Uint8Array | undefined;
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.localName === T.peerHashToken && r.namespaceUri === NS.peer && auth === undefined) {
        const p = childPath(path, T.peerHashToken);
        if (inp.enter()) {
          while (inp.nextChild(p)) {
            if (
              r.localName === T.authenticator &&
              r.namespaceUri === NS.peer &&
              auth === undefined
            ) {
              auth = valueToBytes(stringOrBytes(inp));
            } else inp.skip();
          }
        }
      } else inp.skip();
    }
  }
  if (auth === undefined) {
    throw new SoapError("missing-element", "no PeerHashToken/Authenticator", {
      path: childPath(path, "PeerHashToken/Authenticator"),
    });
  }
  return auth;
}

function stringOrBytes(inp: XmlIn) {
  const v = inp.value();
  return v.type === "base64" ? v : { type: "string" as const, value: valueToString(v) };
}

/** Reads a received RequestSecurityToken body. */
export function parseRequestSecurityToken(msg: Message): PeerTokenRequest {
  return guardNbfs(() => parseRst(msg));
}

function parseRst(msg: Message): PeerTokenRequest {
  expectAction(msg, PEER_ACTIONS.requestSecurityToken);
  const inp = msg.getBodyReader();
  const path = "Envelope/Body/RequestSecurityToken";
  inp.expectStart("RequestSecurityToken", NS.trust, "Envelope/Body");
  let tokenType: string | undefined;
  let requestType: string | undefined;
  let authenticator: Uint8Array | undefined;
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.namespaceUri !== NS.trust) inp.skip();
      else if (r.localName === "TokenType") tokenType = valueToString(inp.value()).trim();
      else if (r.localName === "RequestType") requestType = valueToString(inp.value()).trim();
      else if (r.localName === "RequestedSecurityToken") {
        authenticator = readAuthenticator(inp, childPath(path, "RequestedSecurityToken"));
      } else inp.skip();
    }
  }
  if (tokenType === undefined) throw new SoapError("missing-element", "no TokenType", { path });
  if (requestType === undefined) throw new SoapError("missing-element", "no RequestType", { path });
  if (authenticator === undefined)
    throw new SoapError("missing-element", "no RequestedSecurityToken", { path });
  msg.endBody(inp);
  return { tokenType, requestType, authenticator };
}

/** Reads a received RequestSecurityTokenResponse body. */
export function parseRequestSecurityTokenResponse(msg: Message): PeerTokenResponse {
  return guardNbfs(() => parseRstr(msg));
}

function parseRstr(msg: Message): PeerTokenResponse {
  expectAction(msg, PEER_ACTIONS.requestSecurityTokenResponse);
  const inp = msg.getBodyReader();
  const path = "Envelope/Body/RequestSecurityTokenResponse";
  inp.expectStart("RequestSecurityTokenResponse", NS.trust, "Envelope/Body");
  let tokenType: string | undefined;
  let statusCode: string | undefined;
  let authenticator: Uint8Array | undefined;
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.namespaceUri !== NS.trust) inp.skip();
      else if (r.localName === "TokenType") tokenType = valueToString(inp.value()).trim();
      else if (r.localName === "Status") {
        const p = childPath(path, "Status");
        if (inp.enter()) {
          while (inp.nextChild(p)) {
            if (inp.isStart("Code", NS.trust)) statusCode = valueToString(inp.value()).trim();
            else inp.skip();
          }
        }
      } else if (r.localName === "RequestedSecurityToken") {
        authenticator = readAuthenticator(inp, childPath(path, "RequestedSecurityToken"));
      } else inp.skip();
    }
  }
  if (tokenType === undefined) throw new SoapError("missing-element", "no TokenType", { path });
  if (statusCode === undefined) throw new SoapError("missing-element", "no Status/Code", { path });
  if (authenticator === undefined)
    throw new SoapError("missing-element", "no RequestedSecurityToken", { path });
  msg.endBody(inp);
  return { tokenType, statusCode, authenticator };
}

// ---------------------------------------------------------------------------
// Flood headers (MC-PRCH §2.2.3.7; WINDOWS-NOTES §1.3).
// ---------------------------------------------------------------------------

/** The Peer Channel headers of a flood message. */
export interface FloodHeaders {
  /** GUID, lowercase, without `urn:uuid:`. */
  readonly messageId: string;
  readonly peerTo: string;
  readonly peerVia: string;
  /** `Hops` in `ns/HopCount`, when present. */
  readonly hops?: bigint;
  /**
   * `wsu:Id`s for the four headers a flood signature covers (MC-PRCH
   * §3.2.4.1.1); the Hops header is never signed (every relay rewrites it).
   */
  readonly ids?: {
    readonly messageId: string;
    readonly peerTo: string;
    readonly peerVia: string;
    readonly floodMessage: string;
  };
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The four flood headers, all in `ns` and mustUnderstand=false, in the
 * order MC-PRCH §4.3 shows (MessageID, PeerTo, PeerVia, FloodMessage), plus
 * `Hops` when a hop count is given.
 */
export function createFloodHeaders(h: FloodHeaders): Header[] {
  const id = h.messageId.toLowerCase();
  if (!GUID_RE.test(id))
    throw new SoapError("invalid-argument", `flood MessageID must be a GUID: ${h.messageId}`);
  const ids = h.ids;
  const withId = (key: keyof NonNullable<FloodHeaders["ids"]>) =>
    ids !== undefined ? { id: ids[key] } : {};
  const headers: Header[] = [
    createHeader({
      name: D.MessageID,
      namespace: D.peerNs,
      value: (out) => out.writer.writeUniqueId(id),
      ...withId("messageId"),
    }),
    createHeader({ name: D.PeerTo, namespace: D.peerNs, value: h.peerTo, ...withId("peerTo") }),
    createHeader({ name: D.PeerVia, namespace: D.peerNs, value: h.peerVia, ...withId("peerVia") }),
    createHeader({
      name: D.FloodMessage,
      namespace: D.peerNs,
      value: D.PeerFlooder,
      ...withId("floodMessage"),
    }),
  ];
  if (h.hops !== undefined) headers.push(createHopsHeader(h.hops));
  return headers;
}

/** The `Hops` header in `ns/HopCount` (the spec's PeerHopCount, WINDOWS-NOTES §1.3). */
export function createHopsHeader(hops: bigint): Header {
  if (hops < 0n || hops > 0xffffffffffffffffn) {
    throw new SoapError("invalid-argument", `hop count ${hops} is not an unsigned 64-bit value`);
  }
  // An xs:unsignedLong goes out as text, as DataContractSerializer writes ulong.
  return createHeader({ name: D.Hops, namespace: D.hopCountNs, value: hops.toString() });
}

/**
 * Adds the flood headers to an application message (which keeps its own
 * action, To and body). Pre-existing copies are an error, as on Windows.
 */
export function addFloodHeaders(msg: Message, h: FloodHeaders): Message {
  for (const name of ["MessageID", "PeerTo", "PeerVia", "FloodMessage"]) {
    if (msg.findHeader(name, NS.peer) !== undefined) {
      throw new SoapError("duplicate-header", `the message already has a peer ${name} header`);
    }
  }
  if (h.hops !== undefined && msg.findHeader("Hops", NS.peerHopCount) !== undefined) {
    throw new SoapError("duplicate-header", "the message already has a Hops header");
  }
  msg.headers.push(...createFloodHeaders(h));
  return msg;
}

/** Result of {@link parseFloodHeaders}. */
export interface ParsedFloodHeaders {
  readonly messageId: string;
  readonly peerTo: string;
  readonly peerVia: string;
  /**
   * The hop count: a bigint, undefined when absent, or "invalid" when the
   * header is present but not an unsigned long (Windows then forwards the
   * message anyway; the spec says abort — the caller decides).
   */
  readonly hops: bigint | "invalid" | undefined;
}

function single(msg: Message, name: string, ns: string): ReceivedHeader | undefined {
  let found: ReceivedHeader | undefined;
  for (const h of msg.headers) {
    if (h.name !== name || h.namespace !== ns) continue;
    if (found !== undefined) {
      throw new SoapError("duplicate-header", `more than one ${name} header`, {
        path: `Envelope/Header/${name}`,
      });
    }
    if (!(h instanceof ReceivedHeader))
      throw new SoapError("invalid-argument", "the message was not received");
    found = h;
  }
  return found;
}

/**
 * Validates and reads the flood headers of a received message. Any defect
 * (missing or duplicate header, FloodMessage not `PeerFlooder`, a
 * MessageID that is not a GUID, an empty PeerVia) is a SoapError; Windows
 * aborts the neighbor in that case (WINDOWS-NOTES §1.3).
 */
export function parseFloodHeaders(msg: Message): ParsedFloodHeaders {
  const flood = single(msg, "FloodMessage", NS.peer);
  if (flood === undefined)
    throw new SoapError("missing-element", "no FloodMessage header", {
      path: "Envelope/Header/FloodMessage",
    });
  if (flood.text.trim() !== PEER_FLOODER) {
    throw new SoapError("invalid-value", "FloodMessage header is not PeerFlooder", {
      path: "Envelope/Header/FloodMessage",
    });
  }
  const idH = single(msg, "MessageID", NS.peer);
  const toH = single(msg, "PeerTo", NS.peer);
  const viaH = single(msg, "PeerVia", NS.peer);
  if (idH === undefined || toH === undefined || viaH === undefined) {
    const missing = idH === undefined ? "MessageID" : toH === undefined ? "PeerTo" : "PeerVia";
    throw new SoapError("missing-element", `no peer ${missing} header`, {
      path: `Envelope/Header/${missing}`,
    });
  }
  let id = idH.text.trim().toLowerCase();
  if (id.startsWith("urn:uuid:")) id = id.slice(9);
  if (!GUID_RE.test(id)) {
    throw new SoapError("invalid-value", "peer MessageID is not a GUID", {
      path: "Envelope/Header/MessageID",
    });
  }
  const peerVia = viaH.text.trim();
  if (peerVia === "")
    throw new SoapError("invalid-value", "empty PeerVia", { path: "Envelope/Header/PeerVia" });
  for (const h of [flood, idH, toH, viaH]) h.understood = true;
  const hopsH = single(msg, "Hops", NS.peerHopCount);
  let hops: bigint | "invalid" | undefined;
  if (hopsH !== undefined) {
    hopsH.understood = true;
    try {
      hops = valueToUInt64({ type: "string", value: hopsH.text });
    } catch {
      hops = "invalid";
    }
  }
  return { messageId: id, peerTo: toH.text.trim(), peerVia, hops };
}
