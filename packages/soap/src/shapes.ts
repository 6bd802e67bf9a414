import { dcEndpointAddress10, type EndpointAddress } from "./addressing.js";
import { NS } from "./constants.js";
import {
  dcBool,
  dcClass,
  dcCollection,
  dcDuration,
  dcEnum,
  dcGuid,
  dcInt32,
  dcString,
  dcUInt32,
  dcUInt64,
  member,
} from "./datacontract.js";
import { dcArrayOfIPAddress, type IPAddress } from "./ipaddress.js";

const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

// ---------------------------------------------------------------------------
// MC-PRCH §2.2.2 structures.
// ---------------------------------------------------------------------------

/** PeerNodeAddress (MC-PRCH §2.2.2.2): a node's endpoint and the IP addresses it listens on. */
export interface PeerNodeAddress {
  readonly endpointAddress: EndpointAddress | null;
  readonly ipAddresses: readonly IPAddress[] | null;
}

export const dcPeerNodeAddress = dcClass<PeerNodeAddress>({
  name: "PeerNodeAddress",
  ns: NS.peer,
  members: {
    endpointAddress: member("EndpointAddress", dcEndpointAddress10),
    ipAddresses: member("IPAddresses", dcArrayOfIPAddress),
  },
});

/** Referral (MC-PRCH §2.2.2.3). */
export interface Referral {
  readonly address: PeerNodeAddress | null;
  readonly nodeId: bigint;
}

export const dcReferral = dcClass<Referral>({
  name: "Referral",
  ns: NS.peer,
  members: {
    address: member("Address", dcPeerNodeAddress),
    nodeId: member("NodeId", dcUInt64, { defaultValue: 0n }),
  },
});

/** ArrayOfReferral. */
export const dcArrayOfReferral = dcCollection({
  name: "ArrayOfReferral",
  ns: NS.peer,
  itemName: "Referral",
  itemType: dcReferral,
});

/** RefuseReason (MC-PRCH §2.2.2.4); Refuse allows only these three (WINDOWS-NOTES §1.2). */
export type RefuseReason = "DuplicateNeighbor" | "DuplicateNodeId" | "NodeBusy";

export const dcRefuseReason = dcEnum<RefuseReason>("RefuseReason", NS.serviceModelChannels, {
  DuplicateNeighbor: 4,
  DuplicateNodeId: 5,
  NodeBusy: 6,
});

/** DisconnectReason (MC-PRCH §2.2.2.5), PeerCloseReason values. */
export type DisconnectReason =
  | "LeavingMesh"
  | "NotUsefulNeighbor"
  | "DuplicateNeighbor"
  | "DuplicateNodeId"
  | "NodeBusy"
  | "InternalFailure";

export const dcDisconnectReason = dcEnum<DisconnectReason>(
  "DisconnectReason",
  NS.serviceModelChannels,
  {
    LeavingMesh: 2,
    NotUsefulNeighbor: 3,
    DuplicateNeighbor: 4,
    DuplicateNodeId: 5,
    NodeBusy: 6,
    InternalFailure: 10,
  },
);

// ---------------------------------------------------------------------------
// MC-PRCH §2.2.3 message bodies.
// ---------------------------------------------------------------------------

/** ConnectInfo (MC-PRCH §2.2.3.3), body element `Connect`. */
export interface ConnectInfo {
  readonly address: PeerNodeAddress | null;
  readonly nodeId: bigint;
}

export const dcConnectInfo = dcClass<ConnectInfo>({
  name: "ConnectInfo",
  ns: NS.peer,
  members: {
    address: member("Address", dcPeerNodeAddress),
    nodeId: member("NodeId", dcUInt64, { defaultValue: 0n }),
  },
});

/** WelcomeInfo (MC-PRCH §2.2.3.4), body element `Welcome`. */
export interface WelcomeInfo {
  readonly nodeId: bigint;
  readonly referrals: readonly Referral[] | null;
}

export const dcWelcomeInfo = dcClass<WelcomeInfo>({
  name: "WelcomeInfo",
  ns: NS.peer,
  members: {
    nodeId: member("NodeId", dcUInt64, { defaultValue: 0n }),
    referrals: member("Referrals", dcArrayOfReferral),
  },
});

/** RefuseInfo (MC-PRCH §2.2.3.5), body element `Refuse`. */
export interface RefuseInfo {
  readonly reason: RefuseReason;
  readonly referrals: readonly Referral[] | null;
}

export const dcRefuseInfo = dcClass<RefuseInfo>({
  name: "RefuseInfo",
  ns: NS.peer,
  members: {
    reason: member("Reason", dcRefuseReason),
    referrals: member("Referrals", dcArrayOfReferral),
  },
});

/** DisconnectInfo (MC-PRCH §2.2.3.6), body element `Disconnect`. */
export interface DisconnectInfo {
  readonly reason: DisconnectReason;
  readonly referrals: readonly Referral[] | null;
}

export const dcDisconnectInfo = dcClass<DisconnectInfo>({
  name: "DisconnectInfo",
  ns: NS.peer,
  members: {
    reason: member("Reason", dcDisconnectReason),
    referrals: member("Referrals", dcArrayOfReferral),
  },
});

/** LinkUtilityInfo (MC-PRCH §2.2.3.8), body element `LinkUtility`. */
export interface LinkUtilityInfo {
  readonly total: number;
  readonly useful: number;
}

export const dcLinkUtilityInfo = dcClass<LinkUtilityInfo>({
  name: "LinkUtilityInfo",
  ns: NS.peer,
  members: {
    total: member("Total", dcUInt32, { defaultValue: 0 }),
    useful: member("Useful", dcUInt32, { defaultValue: 0 }),
  },
});

// ---------------------------------------------------------------------------
// MC-PRCR §2.2.3–§2.2.4 bodies (all in the peer namespace, WINDOWS-NOTES §1.7).
// ---------------------------------------------------------------------------

/** RefreshResult (MC-PRCR §2.2.2.2). */
export type RefreshResult = "Success" | "RegistrationNotFound";

export const dcRefreshResult = dcEnum<RefreshResult>("RefreshResult", NS.peerResolvers, {
  Success: 0,
  RegistrationNotFound: 1,
});

/** ArrayOfPeerNodeAddress (MC-PRCR §6.2). */
export const dcArrayOfPeerNodeAddress = dcCollection({
  name: "ArrayOfPeerNodeAddress",
  ns: NS.peer,
  itemName: "PeerNodeAddress",
  itemType: dcPeerNodeAddress,
});

/** Register (MC-PRCR §2.2.3.1), body element `Register`. */
export interface RegisterInfo {
  /** GUID, lowercase. */
  readonly clientId: string;
  readonly meshId: string | null;
  readonly nodeAddress: PeerNodeAddress | null;
}

export const dcRegisterInfo = dcClass<RegisterInfo>({
  name: "Register",
  ns: NS.peer,
  members: {
    clientId: member("ClientId", dcGuid, { defaultValue: EMPTY_GUID }),
    meshId: member("MeshId", dcString),
    nodeAddress: member("NodeAddress", dcPeerNodeAddress),
  },
});

/** UpdateInfo (MC-PRCR §2.2.3.4), body element `UpdateInfo`. */
export interface UpdateInfo {
  readonly clientId: string;
  readonly meshId: string | null;
  readonly nodeAddress: PeerNodeAddress | null;
  readonly registrationId: string;
}

export const dcUpdateInfo = dcClass<UpdateInfo>({
  name: "UpdateInfo",
  ns: NS.peer,
  members: {
    clientId: member("ClientId", dcGuid, { defaultValue: EMPTY_GUID }),
    meshId: member("MeshId", dcString),
    nodeAddress: member("NodeAddress", dcPeerNodeAddress),
    registrationId: member("RegistrationId", dcGuid, { defaultValue: EMPTY_GUID }),
  },
});

/** ResolveInfo (MC-PRCR §2.2.3.2), body element `Resolve`. */
export interface ResolveInfo {
  readonly clientId: string;
  readonly maxAddresses: number;
  readonly meshId: string | null;
}

export const dcResolveInfo = dcClass<ResolveInfo>({
  name: "ResolveInfo",
  ns: NS.peer,
  members: {
    clientId: member("ClientId", dcGuid, { defaultValue: EMPTY_GUID }),
    maxAddresses: member("MaxAddresses", dcInt32, { defaultValue: 0 }),
    meshId: member("MeshId", dcString),
  },
});

/** ResolveResponseInfo (MC-PRCR §2.2.4.2), body element `ResolveResponse`. */
export interface ResolveResponseInfo {
  readonly addresses: readonly PeerNodeAddress[] | null;
}

export const dcResolveResponseInfo = dcClass<ResolveResponseInfo>({
  name: "ResolveResponseInfo",
  ns: NS.peer,
  members: {
    addresses: member("Addresses", dcArrayOfPeerNodeAddress),
  },
});

/** RefreshInfo (MC-PRCR §2.2.3.3), body element `Refresh`. */
export interface RefreshInfo {
  readonly meshId: string | null;
  readonly registrationId: string;
}

export const dcRefreshInfo = dcClass<RefreshInfo>({
  name: "RefreshInfo",
  ns: NS.peer,
  members: {
    meshId: member("MeshId", dcString),
    registrationId: member("RegistrationId", dcGuid, { defaultValue: EMPTY_GUID }),
  },
});

/** RefreshResponseInfo (MC-PRCR §2.2.4.3), body element `RefreshResponse`. */
export interface RefreshResponseInfo {
  /** TimeSpan ticks (100 ns). */
  readonly registrationLifetime: bigint;
  readonly result: RefreshResult;
}

export const dcRefreshResponseInfo = dcClass<RefreshResponseInfo>({
  name: "RefreshResponseInfo",
  ns: NS.peer,
  members: {
    registrationLifetime: member("RegistrationLifetime", dcDuration, { defaultValue: 0n }),
    // .NET's default(RefreshResult) is Success (0).
    result: member("Result", dcRefreshResult, { defaultValue: "Success" }),
  },
});

/** UnregisterInfo (MC-PRCR §2.2.3.5), body element `Unregister`. */
export interface UnregisterInfo {
  readonly meshId: string | null;
  readonly registrationId: string;
}

export const dcUnregisterInfo = dcClass<UnregisterInfo>({
  name: "UnregisterInfo",
  ns: NS.peer,
  members: {
    meshId: member("MeshId", dcString),
    registrationId: member("RegistrationId", dcGuid, { defaultValue: EMPTY_GUID }),
  },
});

/** ServiceSettingsResponseInfo (MC-PRCR §2.2.4.4), body element `ServiceSettings`. */
export interface ServiceSettingsResponseInfo {
  readonly controlMeshShape: boolean;
}

export const dcServiceSettingsResponseInfo = dcClass<ServiceSettingsResponseInfo>({
  name: "ServiceSettingsResponseInfo",
  ns: NS.peer,
  members: {
    controlMeshShape: member("ControlMeshShape", dcBool, { defaultValue: false }),
  },
});

/** RegisterResponse (MC-PRCR §2.2.4.1), body element `RegisterResponse` (also the Update reply). */
export interface RegisterResponseInfo {
  readonly registrationId: string;
  /** TimeSpan ticks (100 ns). */
  readonly registrationLifetime: bigint;
}

export const dcRegisterResponseInfo = dcClass<RegisterResponseInfo>({
  name: "RegisterResponse",
  ns: NS.peer,
  members: {
    registrationId: member("RegistrationId", dcGuid, { defaultValue: EMPTY_GUID }),
    registrationLifetime: member("RegistrationLifetime", dcDuration, { defaultValue: 0n }),
  },
});
