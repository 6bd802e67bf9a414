/** Namespace URIs used by Peer Channel (MC-PRCH §2.2.1, §6) and its resolver (MC-PRCR §2.2.1, §6). */
export const NS = Object.freeze({
  soap12: "http://www.w3.org/2003/05/soap-envelope",
  soap11: "http://schemas.xmlsoap.org/soap/envelope/",
  wsa10: "http://www.w3.org/2005/08/addressing",
  wsa2004: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
  xmlns: "http://www.w3.org/2000/xmlns/",
  /** `ns` in WINDOWS-NOTES: the Peer Channel contract and DataContract namespace. */
  peer: "http://schemas.microsoft.com/net/2006/05/peer",
  /** Namespace of the `Hops` header (WINDOWS-NOTES §1.3; the spec calls it PeerHopCount). */
  peerHopCount: "http://schemas.microsoft.com/net/2006/05/peer/HopCount",
  /** MC-PRCR contract namespace (actions only: bodies live in `NS.peer`, WINDOWS-NOTES §1.7). */
  resolver: "http://schemas.microsoft.com/net/2006/05/peer/resolver",
  trust: "http://schemas.xmlsoap.org/ws/2005/02/trust",
  wsu: "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
  /** DataContract namespace of System.Net.IPAddress. */
  systemNet: "http://schemas.datacontract.org/2004/07/System.Net",
  systemNetSockets: "http://schemas.datacontract.org/2004/07/System.Net.Sockets",
  /** Namespace of DisconnectReason and RefuseReason (MC-PRCH §2.2.2.5). */
  serviceModelChannels: "http://schemas.datacontract.org/2004/07/System.ServiceModel.Channels",
  /** Namespace of RefreshResult (MC-PRCR §6.3). */
  peerResolvers: "http://schemas.datacontract.org/2004/07/System.ServiceModel.PeerResolvers",
  /** Note the trailing slash (MC-PRCR §6.4). */
  serialization: "http://schemas.microsoft.com/2003/10/Serialization/",
  serializationArrays: "http://schemas.microsoft.com/2003/10/Serialization/Arrays",
});

/** WS-Addressing well-known URIs. */
export const WSA = Object.freeze({
  anonymous10: "http://www.w3.org/2005/08/addressing/anonymous",
  none10: "http://www.w3.org/2005/08/addressing/none",
  reply10: "http://www.w3.org/2005/08/addressing/reply",
  fault10: "http://www.w3.org/2005/08/addressing/fault",
  anonymous2004: "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
  fault2004: "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault",
});

/** Peer Channel action URIs (MC-PRCH §6 portType; WINDOWS-NOTES §1.2). */
export const PEER_ACTIONS = Object.freeze({
  connect: "http://schemas.microsoft.com/net/2006/05/peer/Connect",
  welcome: "http://schemas.microsoft.com/net/2006/05/peer/Welcome",
  refuse: "http://schemas.microsoft.com/net/2006/05/peer/Refuse",
  disconnect: "http://schemas.microsoft.com/net/2006/05/peer/Disconnect",
  linkUtility: "http://schemas.microsoft.com/net/2006/05/peer/LinkUtility",
  ping: "http://schemas.microsoft.com/net/2006/05/peer/Ping",
  flood: "http://schemas.microsoft.com/net/2006/05/peer/Flood",
  fault: "http://www.w3.org/2005/08/addressing/fault",
  /** Bare action, not a URI (MC-PRCH §2.2.3.1). */
  requestSecurityToken: "RequestSecurityToken",
  requestSecurityTokenResponse: "RequestSecurityTokenResponse",
});

/** MC-PRCR action URIs, from the §6.1 WSDL portType (the authoritative list). */
export const RESOLVER_ACTIONS = Object.freeze({
  register: "http://schemas.microsoft.com/net/2006/05/peer/resolver/Register",
  registerResponse: "http://schemas.microsoft.com/net/2006/05/peer/resolver/RegisterResponse",
  update: "http://schemas.microsoft.com/net/2006/05/peer/resolver/Update",
  updateResponse: "http://schemas.microsoft.com/net/2006/05/peer/resolver/UpdateResponse",
  resolve: "http://schemas.microsoft.com/net/2006/05/peer/resolver/Resolve",
  resolveResponse: "http://schemas.microsoft.com/net/2006/05/peer/resolver/ResolveResponse",
  unregister: "http://schemas.microsoft.com/net/2006/05/peer/resolver/Unregister",
  /**
   * MC-PRCR §3 says Unregister has no response; the §6.1 WSDL declares an
   * empty reply with this action, which is what WCF sends (README trap).
   */
  unregisterResponse:
    "http://schemas.microsoft.com/net/2006/05/peer/resolver/IPeerResolverContract/UnregisterResponse",
  refresh: "http://schemas.microsoft.com/net/2006/05/peer/resolver/Refresh",
  refreshResponse: "http://schemas.microsoft.com/net/2006/05/peer/resolver/RefreshResponse",
  getServiceSettings: "http://schemas.microsoft.com/net/2006/05/peer/resolver/GetServiceSettings",
  getServiceSettingsResponse:
    "http://schemas.microsoft.com/net/2006/05/peer/resolver/GetServiceSettingsResponse",
});

/** Fixed values inside the WS-Trust token exchange (MC-PRCH §2.2.3.1, §2.2.3.2). */
export const PEER_TRUST = Object.freeze({
  tokenType: "http://schemas.microsoft.com/net/2006/05/peer/peerhashtoken",
  requestTypeValidate: "http://schemas.xmlsoap.org/ws/2005/02/trust/Validate",
  statusValid: "http://schemas.xmlsoap.org/ws/2005/02/trust/status/valid",
});

/** Text of the FloodMessage header (MC-PRCH §2.2.2.6). */
export const PEER_FLOODER = "PeerFlooder";
