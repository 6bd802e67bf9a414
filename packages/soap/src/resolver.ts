import { NS, RESOLVER_ACTIONS } from "./constants.js";
import type { DataContract } from "./datacontract.js";
import { sessionString } from "./dictionary.js";
import { SoapError } from "./errors.js";
import { dataContractBody, Message, type MessageVersion } from "./message.js";
import {
  dcRefreshInfo,
  dcRefreshResponseInfo,
  dcRegisterInfo,
  dcRegisterResponseInfo,
  dcResolveInfo,
  dcResolveResponseInfo,
  dcServiceSettingsResponseInfo,
  dcUnregisterInfo,
  dcUpdateInfo,
  type RefreshInfo,
  type RefreshResponseInfo,
  type RegisterInfo,
  type RegisterResponseInfo,
  type ResolveInfo,
  type ResolveResponseInfo,
  type ServiceSettingsResponseInfo,
  type UnregisterInfo,
  type UpdateInfo,
} from "./shapes.js";

/** Addressing of a resolver request or reply. */
export interface ResolverMessageOptions {
  readonly version?: MessageVersion;
  /** wsa:To (the resolver service address on requests; anonymous on replies). */
  readonly to?: string;
  /** wsa:MessageID of a request (`urn:uuid:…`). */
  readonly messageId?: string;
  /** wsa:RelatesTo of a reply (the request's MessageID). */
  readonly relatesTo?: string;
  /** wsa:ReplyTo of a request; WCF request/reply channels send the anonymous address. */
  readonly replyTo?: string;
}

function resolverMessage<T>(
  action: string,
  body: { type: DataContract<T>; name: string; value: T } | undefined,
  o: ResolverMessageOptions,
): Message {
  return new Message({
    ...(o.version !== undefined ? { version: o.version } : {}),
    action,
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.messageId !== undefined ? { messageId: o.messageId } : {}),
    ...(o.relatesTo !== undefined ? { relatesTo: { id: o.relatesTo } } : {}),
    ...(o.replyTo !== undefined ? { replyTo: { uri: o.replyTo } } : {}),
    ...(body !== undefined
      ? {
          body: dataContractBody(
            body.type,
            sessionString(body.name),
            sessionString(NS.peer),
            body.value,
          ),
        }
      : {}),
  });
}

/**
 * Every MC-PRCR operation: action, body element (always in the peer
 * namespace, not `ns/resolver`, WINDOWS-NOTES §1.7) and body contract.
 */
export const RESOLVER_OPERATIONS = Object.freeze({
  register: { action: RESOLVER_ACTIONS.register, element: "Register", type: dcRegisterInfo },
  registerResponse: {
    action: RESOLVER_ACTIONS.registerResponse,
    element: "RegisterResponse",
    type: dcRegisterResponseInfo,
  },
  update: { action: RESOLVER_ACTIONS.update, element: "UpdateInfo", type: dcUpdateInfo },
  updateResponse: {
    action: RESOLVER_ACTIONS.updateResponse,
    element: "RegisterResponse",
    type: dcRegisterResponseInfo,
  },
  resolve: { action: RESOLVER_ACTIONS.resolve, element: "Resolve", type: dcResolveInfo },
  resolveResponse: {
    action: RESOLVER_ACTIONS.resolveResponse,
    element: "ResolveResponse",
    type: dcResolveResponseInfo,
  },
  refresh: { action: RESOLVER_ACTIONS.refresh, element: "Refresh", type: dcRefreshInfo },
  refreshResponse: {
    action: RESOLVER_ACTIONS.refreshResponse,
    element: "RefreshResponse",
    type: dcRefreshResponseInfo,
  },
  unregister: {
    action: RESOLVER_ACTIONS.unregister,
    element: "Unregister",
    type: dcUnregisterInfo,
  },
  getServiceSettingsResponse: {
    action: RESOLVER_ACTIONS.getServiceSettingsResponse,
    element: "ServiceSettings",
    type: dcServiceSettingsResponseInfo,
  },
});

/** Register request (MC-PRCR §2.2.3.1). */
export function createRegisterMessage(v: RegisterInfo, o: ResolverMessageOptions = {}): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.register,
    { type: dcRegisterInfo, name: "Register", value: v },
    o,
  );
}

/** Update request (MC-PRCR §2.2.3.4); body element `UpdateInfo`. */
export function createUpdateMessage(v: UpdateInfo, o: ResolverMessageOptions = {}): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.update,
    { type: dcUpdateInfo, name: "UpdateInfo", value: v },
    o,
  );
}

/** Resolve request (MC-PRCR §2.2.3.2). */
export function createResolveMessage(v: ResolveInfo, o: ResolverMessageOptions = {}): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.resolve,
    { type: dcResolveInfo, name: "Resolve", value: v },
    o,
  );
}

/** Refresh request (MC-PRCR §2.2.3.3). */
export function createRefreshMessage(v: RefreshInfo, o: ResolverMessageOptions = {}): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.refresh,
    { type: dcRefreshInfo, name: "Refresh", value: v },
    o,
  );
}

/** Unregister request (MC-PRCR §2.2.3.5). */
export function createUnregisterMessage(
  v: UnregisterInfo,
  o: ResolverMessageOptions = {},
): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.unregister,
    { type: dcUnregisterInfo, name: "Unregister", value: v },
    o,
  );
}

/** GetServiceInfo request (MC-PRCR §2.2.3.6): action GetServiceSettings, empty body. */
export function createGetServiceSettingsMessage(o: ResolverMessageOptions = {}): Message {
  return resolverMessage<never>(RESOLVER_ACTIONS.getServiceSettings, undefined, o);
}

/** RegisterResponse (MC-PRCR §2.2.4.1); with `forUpdate` the UpdateResponse action. */
export function createRegisterResponseMessage(
  v: RegisterResponseInfo,
  o: ResolverMessageOptions & { forUpdate?: boolean } = {},
): Message {
  const action = o.forUpdate ? RESOLVER_ACTIONS.updateResponse : RESOLVER_ACTIONS.registerResponse;
  return resolverMessage(
    action,
    { type: dcRegisterResponseInfo, name: "RegisterResponse", value: v },
    o,
  );
}

/** ResolveResponse (MC-PRCR §2.2.4.2). */
export function createResolveResponseMessage(
  v: ResolveResponseInfo,
  o: ResolverMessageOptions = {},
): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.resolveResponse,
    { type: dcResolveResponseInfo, name: "ResolveResponse", value: v },
    o,
  );
}

/** RefreshResponse (MC-PRCR §2.2.4.3). */
export function createRefreshResponseMessage(
  v: RefreshResponseInfo,
  o: ResolverMessageOptions = {},
): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.refreshResponse,
    { type: dcRefreshResponseInfo, name: "RefreshResponse", value: v },
    o,
  );
}

/** ServiceSettingsResponseInfo (MC-PRCR §2.2.4.4). */
export function createServiceSettingsResponseMessage(
  v: ServiceSettingsResponseInfo,
  o: ResolverMessageOptions = {},
): Message {
  return resolverMessage(
    RESOLVER_ACTIONS.getServiceSettingsResponse,
    { type: dcServiceSettingsResponseInfo, name: "ServiceSettings", value: v },
    o,
  );
}

/**
 * The empty Unregister reply: MC-PRCR §3 says none is sent, but the §6.1
 * WSDL (and WCF) answer with an empty body and this action.
 */
export function createUnregisterResponseMessage(o: ResolverMessageOptions = {}): Message {
  return resolverMessage<never>(RESOLVER_ACTIONS.unregisterResponse, undefined, o);
}

function parse<T>(
  msg: Message,
  actions: readonly string[],
  type: DataContract<T>,
  element: string,
): T {
  if (msg.action === undefined || !actions.includes(msg.action)) {
    throw new SoapError(
      "invalid-value",
      `action ${JSON.stringify(msg.action)}, expected ${actions.join(" or ")}`,
      {
        path: "Envelope/Header/Action",
      },
    );
  }
  const v = msg.readBody(type, element, NS.peer);
  if (v === null)
    throw new SoapError("nil-not-allowed", `${element} body is nil`, {
      path: `Envelope/Body/${element}`,
    });
  return v;
}

/** Reads a received Register request (action and body `Register`). */
export function parseRegister(msg: Message): RegisterInfo {
  return parse(msg, [RESOLVER_ACTIONS.register], dcRegisterInfo, "Register");
}
/** Reads a received Update request (body element `UpdateInfo`). */
export function parseUpdate(msg: Message): UpdateInfo {
  return parse(msg, [RESOLVER_ACTIONS.update], dcUpdateInfo, "UpdateInfo");
}
/** Reads a received Resolve request. */
export function parseResolve(msg: Message): ResolveInfo {
  return parse(msg, [RESOLVER_ACTIONS.resolve], dcResolveInfo, "Resolve");
}
/** Reads a received Refresh request. */
export function parseRefresh(msg: Message): RefreshInfo {
  return parse(msg, [RESOLVER_ACTIONS.refresh], dcRefreshInfo, "Refresh");
}
/** Reads a received Unregister request. */
export function parseUnregister(msg: Message): UnregisterInfo {
  return parse(msg, [RESOLVER_ACTIONS.unregister], dcUnregisterInfo, "Unregister");
}
/** Checks a GetServiceSettings request (action, empty body). */
export function parseGetServiceSettings(msg: Message): void {
  if (msg.action !== RESOLVER_ACTIONS.getServiceSettings) {
    throw new SoapError(
      "invalid-value",
      `action ${JSON.stringify(msg.action)} is not GetServiceSettings`,
    );
  }
  if (!msg.isEmpty)
    throw new SoapError("unexpected-element", "GetServiceSettings has no body", {
      path: "Envelope/Body",
    });
}
/** Reads a RegisterResponse (the reply to Register or Update). */
export function parseRegisterResponse(msg: Message): RegisterResponseInfo {
  return parse(
    msg,
    [RESOLVER_ACTIONS.registerResponse, RESOLVER_ACTIONS.updateResponse],
    dcRegisterResponseInfo,
    "RegisterResponse",
  );
}
/** Reads a ResolveResponse. */
export function parseResolveResponse(msg: Message): ResolveResponseInfo {
  return parse(msg, [RESOLVER_ACTIONS.resolveResponse], dcResolveResponseInfo, "ResolveResponse");
}
/** Reads a RefreshResponse. */
export function parseRefreshResponse(msg: Message): RefreshResponseInfo {
  return parse(msg, [RESOLVER_ACTIONS.refreshResponse], dcRefreshResponseInfo, "RefreshResponse");
}
/** Reads the GetServiceSettings reply (body element `ServiceSettings`). */
export function parseServiceSettingsResponse(msg: Message): ServiceSettingsResponseInfo {
  return parse(
    msg,
    [RESOLVER_ACTIONS.getServiceSettingsResponse],
    dcServiceSettingsResponseInfo,
    "ServiceSettings",
  );
}
/** Checks the empty Unregister reply. */
export function parseUnregisterResponse(msg: Message): void {
  if (msg.action !== RESOLVER_ACTIONS.unregisterResponse) {
    throw new SoapError(
      "invalid-value",
      `action ${JSON.stringify(msg.action)} is not UnregisterResponse`,
    );
  }
  if (!msg.isEmpty)
    throw new SoapError("unexpected-element", "the Unregister reply has no body", {
      path: "Envelope/Body",
    });
}
