import type { DictionaryString } from "@prch/nbfs";

/** A string with a fixed MC-NBFS static dictionary id (even). */
export function staticString(id: number, value: string): DictionaryString {
  return Object.freeze({ id, value });
}

/**
 * A string WCF writes as an `XmlDictionaryString` that is not in the static
 * dictionary (DataContract names, contract actions, the To URI): inside an
 * MC-NBFSE session it becomes a session string, otherwise inline text.
 * (MC-NMF §4.1 transcript: the action, To, body element and namespace all go
 * to the StringTable.)
 */
export function sessionString(value: string): DictionaryString {
  return Object.freeze({ id: -1, value });
}

/** MC-NBFS §2.1 entries used by SOAP, WS-Addressing, WS-Trust and Peer Channel. */
export const D = Object.freeze({
  mustUnderstand: staticString(0x00, "mustUnderstand"),
  Envelope: staticString(0x02, "Envelope"),
  soap12Ns: staticString(0x04, "http://www.w3.org/2003/05/soap-envelope"),
  wsa10Ns: staticString(0x06, "http://www.w3.org/2005/08/addressing"),
  Header: staticString(0x08, "Header"),
  Action: staticString(0x0a, "Action"),
  To: staticString(0x0c, "To"),
  Body: staticString(0x0e, "Body"),
  RelatesTo: staticString(0x12, "RelatesTo"),
  wsa10Anonymous: staticString(0x14, "http://www.w3.org/2005/08/addressing/anonymous"),
  MessageID: staticString(0x1a, "MessageID"),
  Id: staticString(0x1c, "Id"),
  Address: staticString(0x2a, "Address"),
  ReplyTo: staticString(0x2c, "ReplyTo"),
  wsseNs: staticString(
    0x48,
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
  ),
  Security: staticString(0x68, "Security"),
  wsuNs: staticString(
    0x66,
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  ),
  trustNs: staticString(0x7e, "http://schemas.xmlsoap.org/ws/2005/02/trust"),
  s: staticString(0x84, "s"),
  Fault: staticString(0x86, "Fault"),
  MustUnderstand: staticString(0x88, "MustUnderstand"),
  role: staticString(0x8a, "role"),
  relay: staticString(0x8c, "relay"),
  Code: staticString(0x8e, "Code"),
  Reason: staticString(0x90, "Reason"),
  Text: staticString(0x92, "Text"),
  Node: staticString(0x94, "Node"),
  Role: staticString(0x96, "Role"),
  Detail: staticString(0x98, "Detail"),
  Value: staticString(0x9a, "Value"),
  Subcode: staticString(0x9c, "Subcode"),
  NotUnderstood: staticString(0x9e, "NotUnderstood"),
  qname: staticString(0xa0, "qname"),
  From: staticString(0xa4, "From"),
  FaultTo: staticString(0xa6, "FaultTo"),
  EndpointReference: staticString(0xa8, "EndpointReference"),
  ReferenceProperties: staticString(0xb0, "ReferenceProperties"),
  RelationshipType: staticString(0xb2, "RelationshipType"),
  a: staticString(0xb6, "a"),
  wsa10Fault: staticString(0xc6, "http://www.w3.org/2005/08/addressing/fault"),
  ReferenceParameters: staticString(0xc8, "ReferenceParameters"),
  IsReferenceParameter: staticString(0xca, "IsReferenceParameter"),
  wsa10Reply: staticString(0xcc, "http://www.w3.org/2005/08/addressing/reply"),
  wsa10None: staticString(0xce, "http://www.w3.org/2005/08/addressing/none"),
  Metadata: staticString(0xd0, "Metadata"),
  wsa2004Ns: staticString(0xd2, "http://schemas.xmlsoap.org/ws/2004/08/addressing"),
  wsa2004Anonymous: staticString(
    0xd4,
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
  ),
  wsa2004Fault: staticString(0xd6, "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"),
  TokenType: staticString(0x176, "TokenType"),
  RequestSecurityTokenResponse: staticString(0x186, "RequestSecurityTokenResponse"),
  Authenticator: staticString(0x18e, "Authenticator"),
  RequestedSecurityToken: staticString(0x196, "RequestedSecurityToken"),
  RequestSecurityToken: staticString(0x19e, "RequestSecurityToken"),
  RequestType: staticString(0x1a0, "RequestType"),
  // Peer Channel strings, XD.PeerWireStringsDictionary (WINDOWS-NOTES §1.3: indices 429–436).
  FloodMessage: staticString(0x35a, "FloodMessage"),
  LinkUtility: staticString(0x35c, "LinkUtility"),
  Hops: staticString(0x35e, "Hops"),
  hopCountNs: staticString(0x360, "http://schemas.microsoft.com/net/2006/05/peer/HopCount"),
  PeerVia: staticString(0x362, "PeerVia"),
  peerNs: staticString(0x364, "http://schemas.microsoft.com/net/2006/05/peer"),
  PeerFlooder: staticString(0x366, "PeerFlooder"),
  PeerTo: staticString(0x368, "PeerTo"),
  xsiNs: staticString(0x372, "http://www.w3.org/2001/XMLSchema-instance"),
  nil: staticString(0x376, "nil"),
  type: staticString(0x378, "type"),
  soap11Ns: staticString(0x3c2, "http://schemas.xmlsoap.org/soap/envelope/"),
  actor: staticString(0x3c4, "actor"),
  faultcode: staticString(0x3c6, "faultcode"),
  faultstring: staticString(0x3c8, "faultstring"),
  faultactor: staticString(0x3ca, "faultactor"),
  detail: staticString(0x3cc, "detail"),
});
