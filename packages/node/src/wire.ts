import type { FloodMessage, PeerMessage, PeerNodeAddress, Referral } from "@prch/mesh-core";
import {
  classifyPeerMessage,
  createConnectMessage,
  createDisconnectMessage,
  createLinkUtilityMessage,
  createPingMessage,
  createRefuseMessage,
  createWelcomeMessage,
  type DisconnectReason,
  formatIPAddress,
  type Message,
  PEER_FLOODER,
  type PeerNodeAddress as SoapPeerNodeAddress,
  type Referral as SoapReferral,
  type RefuseReason,
  parseConnect,
  parseDisconnect,
  parseFloodHeaders,
  parseIPAddress,
  parseLinkUtility,
  parsePing,
  parseRefuse,
  parseWelcome,
  tryReadFault,
} from "@prch/soap";
import { PeerNodeError } from "./errors.js";
import { FloodPayload } from "./payload.js";

/**
 * Translation between the SOAP messages of `@prch/soap` and the engine's
 * own vocabulary of `@prch/mesh-core`. The engine names fields as the
 * DataContracts do (PascalCase) and keeps IP addresses as text; soap keeps
 * the wire shapes. Flood messages carry a {@link FloodPayload} (the soap
 * Message, or the scanned bytes), so a relay can reuse the received bytes.
 */

/** The payload handle flood messages carry through the engine. */
export type Payload = FloodPayload;

/** WCF writes wsa:To `net.p2p://{mesh}/` on neighbor traffic (WINDOWS-NOTES §1.1). */
export function neighborTo(meshName: string): string {
  return `net.p2p://${meshName}/`;
}

export function toSoapAddress(a: PeerNodeAddress): SoapPeerNodeAddress {
  return {
    endpointAddress: { uri: a.EndpointAddress },
    ipAddresses: a.IPAddresses.map(parseIPAddress),
  };
}

export function fromSoapAddress(a: SoapPeerNodeAddress | null): PeerNodeAddress {
  return {
    EndpointAddress: a?.endpointAddress?.uri ?? "",
    IPAddresses: (a?.ipAddresses ?? []).map(formatIPAddress),
  };
}

function toSoapReferrals(rs: readonly Referral[]): SoapReferral[] {
  return rs.map((r) => ({ nodeId: r.NodeId, address: toSoapAddress(r.Address) }));
}

function fromSoapReferrals(rs: readonly SoapReferral[] | null): Referral[] {
  return (rs ?? []).map((r) => ({ NodeId: r.nodeId, Address: fromSoapAddress(r.address) }));
}

/**
 * Builds the SOAP message for an engine message other than a flood (floods
 * are built by the facade from the application's message). RST/RSTR are not
 * handled here: the transport runs the password handshake before the engine
 * sees the link.
 */
export function toSoapMessage(msg: PeerMessage<Payload>, meshName: string): Message {
  const opts = { to: neighborTo(meshName) };
  switch (msg.kind) {
    case "Connect":
      return createConnectMessage(
        { address: toSoapAddress(msg.Address), nodeId: msg.NodeId },
        opts,
      );
    case "Welcome":
      return createWelcomeMessage(
        { nodeId: msg.NodeId, referrals: toSoapReferrals(msg.Referrals) },
        opts,
      );
    case "Refuse":
      return createRefuseMessage(
        { reason: msg.Reason as RefuseReason, referrals: toSoapReferrals(msg.Referrals) },
        opts,
      );
    case "Disconnect":
      return createDisconnectMessage(
        { reason: msg.Reason as DisconnectReason, referrals: toSoapReferrals(msg.Referrals) },
        opts,
      );
    case "LinkUtility":
      return createLinkUtilityMessage({ useful: msg.Useful, total: msg.Total }, opts);
    case "Ping":
      return createPingMessage(opts);
    default:
      throw new PeerNodeError(
        "Internal",
        `the engine asked to send ${msg.kind}, which the facade does not encode`,
      );
  }
}

/**
 * Reads a received neighbor message into the engine's vocabulary. Anything
 * that is not a Peer Channel message, or is malformed, throws (a SoapError
 * or PeerNodeError); the caller aborts the link, as Windows does for bad
 * peer headers (WINDOWS-NOTES §1.3).
 */
export function fromSoapMessage(msg: Message, size: number): PeerMessage<Payload> {
  const kind = classifyPeerMessage(msg);
  switch (kind) {
    case "flood": {
      const h = parseFloodHeaders(msg);
      const flood: FloodMessage<Payload> = {
        kind: "Flood",
        MessageID: `urn:uuid:${h.messageId}`,
        FloodMessage: PEER_FLOODER,
        PeerVia: h.peerVia,
        PeerTo: h.peerTo,
        Hops: h.hops === "invalid" ? "invalid" : h.hops,
        size,
        payload: FloodPayload.of(msg),
      };
      return flood;
    }
    case "connect": {
      const c = parseConnect(msg);
      return { kind: "Connect", NodeId: c.nodeId, Address: fromSoapAddress(c.address) };
    }
    case "welcome": {
      const w = parseWelcome(msg);
      return { kind: "Welcome", NodeId: w.nodeId, Referrals: fromSoapReferrals(w.referrals) };
    }
    case "refuse": {
      const r = parseRefuse(msg);
      return { kind: "Refuse", Reason: r.reason, Referrals: fromSoapReferrals(r.referrals) };
    }
    case "disconnect": {
      const d = parseDisconnect(msg);
      return { kind: "Disconnect", Reason: d.reason, Referrals: fromSoapReferrals(d.referrals) };
    }
    case "linkUtility": {
      const u = parseLinkUtility(msg);
      return { kind: "LinkUtility", Useful: u.useful, Total: u.total };
    }
    case "ping":
      parsePing(msg);
      return { kind: "Ping" };
    case "fault": {
      const f = tryReadFault(msg);
      return f === undefined
        ? { kind: "Fault" }
        : { kind: "Fault", Reason: f.reasons[0]?.text ?? "" };
    }
    default:
      throw new PeerNodeError(
        "ProtocolError",
        `unexpected message on a neighbor link (action ${JSON.stringify(msg.action)})`,
      );
  }
}
