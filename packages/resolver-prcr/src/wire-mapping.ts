/**
 * Maps the core model (DataContract member names, IPs as text) to and from `@prch/soap` messages
 * (camelCase shapes, IPs as bytes). Action URIs are those of the MC-PRCR §6.1 portType; body
 * elements live in the peer namespace, not `ns/resolver` (WINDOWS-NOTES §1.7).
 */
import {
  createFaultMessage,
  createGetServiceSettingsMessage,
  createRefreshMessage,
  createRefreshResponseMessage,
  createRegisterMessage,
  createRegisterResponseMessage,
  createResolveMessage,
  createResolveResponseMessage,
  createServiceSettingsResponseMessage,
  createUnregisterMessage,
  createUnregisterResponseMessage,
  createUpdateMessage,
  type FaultCode,
  faultCode,
  formatIPAddress,
  type IPAddress,
  type Message,
  type MessageVersion,
  MessageVersions,
  NS,
  parseGetServiceSettings,
  parseIPAddress,
  parseRefresh,
  parseRefreshResponse,
  parseRegister,
  parseRegisterResponse,
  parseResolve,
  parseResolveResponse,
  parseServiceSettingsResponse,
  parseUnregister,
  parseUpdate,
  RESOLVER_ACTIONS,
  type PeerNodeAddress as SoapPeerNodeAddress,
  type SoapFault,
  tryReadFault,
  WSA,
} from "@prch/soap";
import {
  ResolverError,
  type ResolverErrorCode,
  ResolverFaultError,
  ResolverQuotaError,
} from "./errors.js";
import type {
  PeerNodeAddress,
  ResolverOperation,
  ResolverRequest,
  ResolverResponse,
} from "./model.js";

/**
 * Namespace of the fault subcodes a prch service adds: the subcode's local name is the
 * {@link ResolverErrorCode}, and a quota fault has a second subcode naming the quota. Clients
 * that do not know it still see the standard `Sender`/`Receiver` code.
 */
export const RESOLVER_FAULT_NAMESPACE = "urn:prch:resolver:fault";

/** Request action URI of each operation (MC-PRCR §6.1). GetServiceInfo's is `…/GetServiceSettings`. */
export const REQUEST_ACTIONS: Readonly<Record<ResolverOperation, string>> = Object.freeze({
  Register: RESOLVER_ACTIONS.register,
  Update: RESOLVER_ACTIONS.update,
  Resolve: RESOLVER_ACTIONS.resolve,
  Unregister: RESOLVER_ACTIONS.unregister,
  Refresh: RESOLVER_ACTIONS.refresh,
  GetServiceInfo: RESOLVER_ACTIONS.getServiceSettings,
});

/**
 * Reply action URI of each operation (MC-PRCR §6.1). Unregister's is the WCF default
 * `…/IPeerResolverContract/UnregisterResponse`: the contract gives it no ReplyAction
 * (WINDOWS-NOTES §1.7), although MC-PRCR §3 says no reply is sent at all.
 */
export const REPLY_ACTIONS: Readonly<Record<ResolverOperation, string>> = Object.freeze({
  Register: RESOLVER_ACTIONS.registerResponse,
  Update: RESOLVER_ACTIONS.updateResponse,
  Resolve: RESOLVER_ACTIONS.resolveResponse,
  Unregister: RESOLVER_ACTIONS.unregisterResponse,
  Refresh: RESOLVER_ACTIONS.refreshResponse,
  GetServiceInfo: RESOLVER_ACTIONS.getServiceSettingsResponse,
});

const OPERATION_BY_ACTION: ReadonlyMap<string, ResolverOperation> = new Map(
  (Object.entries(REQUEST_ACTIONS) as [ResolverOperation, string][]).map(([op, a]) => [a, op]),
);

/** The operation a request action names, or undefined for an action the contract lacks. */
export function operationOfAction(action: string | undefined): ResolverOperation | undefined {
  return action === undefined ? undefined : OPERATION_BY_ACTION.get(action);
}

/** Addressing of an outgoing request. */
export interface RequestAddressing {
  /** wsa:To, the service's address. */
  readonly to?: string;
  /** wsa:MessageID (`urn:uuid:…`); the reply's RelatesTo carries it back. */
  readonly messageId?: string;
  /** wsa:ReplyTo; WCF request channels send the anonymous address (the default here). */
  readonly replyTo?: string;
  /** Default Soap12WSAddressing10, as WCF's NetTcpBinding. */
  readonly version?: MessageVersion;
}

/** Addressing of an outgoing reply or fault. */
export interface ReplyAddressing {
  /** wsa:RelatesTo: the request's MessageID. */
  readonly relatesTo?: string;
  /** wsa:To; WCF replies to an anonymous ReplyTo with the anonymous address. */
  readonly to?: string;
  /** Default Soap12WSAddressing10. */
  readonly version?: MessageVersion;
}

/** Wraps a soap-level failure of a received message in the package's error type. */
function invalid(e: unknown, what: string): ResolverError {
  if (e instanceof ResolverError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new ResolverError("InvalidRequest", `${what}: ${detail}`, { cause: e });
}

function ipToWire(text: string): IPAddress {
  try {
    return parseIPAddress(text);
  } catch (e) {
    throw new ResolverError("InvalidRequest", `not an IP address: ${JSON.stringify(text)}`, {
      cause: e,
    });
  }
}

/** Core PeerNodeAddress → soap shape. */
export function nodeAddressToWire(a: PeerNodeAddress): SoapPeerNodeAddress {
  return {
    endpointAddress: { uri: a.EndpointAddress },
    ipAddresses: a.IPAddresses.map(ipToWire),
  };
}

/**
 * soap shape → core PeerNodeAddress. Nil members become values the core's validation rejects
 * (an empty URI, no addresses), so the service answers them with `InvalidRequest`. Reference
 * parameters of the endpoint are dropped: a node address is identified by its URI alone.
 */
export function nodeAddressFromWire(a: SoapPeerNodeAddress | null): PeerNodeAddress {
  if (a === null) throw new ResolverError("InvalidRequest", "NodeAddress is nil");
  return {
    EndpointAddress: a.endpointAddress?.uri ?? "",
    IPAddresses: (a.ipAddresses ?? []).map(formatIPAddress),
  };
}

function versionOf(o: { version?: MessageVersion }): MessageVersion {
  return o.version ?? MessageVersions.Soap12WSAddressing10;
}

/** A request message for `request`. */
export function requestToMessage(request: ResolverRequest, a: RequestAddressing = {}): Message {
  const o = {
    version: versionOf(a),
    replyTo: a.replyTo ?? WSA.anonymous10,
    ...(a.to !== undefined ? { to: a.to } : {}),
    ...(a.messageId !== undefined ? { messageId: a.messageId } : {}),
  };
  switch (request.operation) {
    case "Register": {
      const b = request.body;
      return createRegisterMessage(
        {
          clientId: b.ClientId,
          meshId: b.MeshId,
          nodeAddress: nodeAddressToWire(b.NodeAddress),
        },
        o,
      );
    }
    case "Update": {
      const b = request.body;
      return createUpdateMessage(
        {
          clientId: b.ClientId,
          meshId: b.MeshId,
          nodeAddress: nodeAddressToWire(b.NodeAddress),
          registrationId: b.RegistrationId,
        },
        o,
      );
    }
    case "Resolve": {
      const b = request.body;
      return createResolveMessage(
        { clientId: b.ClientId, maxAddresses: b.MaxAddresses, meshId: b.MeshId },
        o,
      );
    }
    case "Unregister":
      return createUnregisterMessage(
        { meshId: request.body.MeshId, registrationId: request.body.RegistrationId },
        o,
      );
    case "Refresh":
      return createRefreshMessage(
        { meshId: request.body.MeshId, registrationId: request.body.RegistrationId },
        o,
      );
    case "GetServiceInfo":
      return createGetServiceSettingsMessage(o);
  }
}

/**
 * Reads a received request. Throws `InvalidRequest` for a body that does not parse, and for an
 * action the contract does not have (check {@link operationOfAction} first to answer that with
 * an ActionNotSupported fault instead).
 */
export function messageToRequest(message: Message): ResolverRequest {
  const operation = operationOfAction(message.action);
  if (operation === undefined) {
    throw new ResolverError(
      "InvalidRequest",
      `action ${JSON.stringify(message.action)} is not a resolver operation`,
    );
  }
  try {
    switch (operation) {
      case "Register": {
        const b = parseRegister(message);
        return {
          operation,
          body: {
            ClientId: b.clientId,
            MeshId: b.meshId ?? "",
            NodeAddress: nodeAddressFromWire(b.nodeAddress),
          },
        };
      }
      case "Update": {
        const b = parseUpdate(message);
        return {
          operation,
          body: {
            ClientId: b.clientId,
            MeshId: b.meshId ?? "",
            NodeAddress: nodeAddressFromWire(b.nodeAddress),
            RegistrationId: b.registrationId,
          },
        };
      }
      case "Resolve": {
        const b = parseResolve(message);
        return {
          operation,
          body: { ClientId: b.clientId, MaxAddresses: b.maxAddresses, MeshId: b.meshId ?? "" },
        };
      }
      case "Unregister": {
        const b = parseUnregister(message);
        return {
          operation,
          body: { MeshId: b.meshId ?? "", RegistrationId: b.registrationId },
        };
      }
      case "Refresh": {
        const b = parseRefresh(message);
        return {
          operation,
          body: { MeshId: b.meshId ?? "", RegistrationId: b.registrationId },
        };
      }
      case "GetServiceInfo":
        parseGetServiceSettings(message);
        return { operation, body: null };
    }
  } catch (e) {
    throw invalid(e, `malformed ${operation} request`);
  }
}

/** The reply message for `response` (Update's reply has the UpdateResponse action). */
export function responseToMessage(response: ResolverResponse, a: ReplyAddressing = {}): Message {
  const o = {
    version: versionOf(a),
    to: a.to ?? WSA.anonymous10,
    ...(a.relatesTo !== undefined ? { relatesTo: a.relatesTo } : {}),
  };
  switch (response.operation) {
    case "Register":
    case "Update":
      return createRegisterResponseMessage(
        {
          registrationId: response.body.RegistrationId,
          registrationLifetime: response.body.RegistrationLifetime,
        },
        { ...o, forUpdate: response.operation === "Update" },
      );
    case "Resolve":
      return createResolveResponseMessage(
        { addresses: response.body.Addresses.map(nodeAddressToWire) },
        o,
      );
    case "Unregister":
      return createUnregisterResponseMessage(o);
    case "Refresh":
      return createRefreshResponseMessage(
        {
          registrationLifetime: response.body.RegistrationLifetime,
          result: response.body.Result,
        },
        o,
      );
    case "GetServiceInfo":
      return createServiceSettingsResponseMessage(
        { controlMeshShape: response.body.ControlMeshShape },
        o,
      );
  }
}

/**
 * Reads the reply to an `operation` request. A SOAP fault becomes a {@link ResolverFaultError};
 * a reply that does not parse a `Fault` error. Unregister accepts any non-fault reply: WCF sends
 * an empty one, MC-PRCR §3 none at all.
 */
export function messageToResponse(
  operation: ResolverOperation,
  message: Message,
): ResolverResponse {
  let fault: SoapFault | undefined;
  try {
    fault = tryReadFault(message);
  } catch (e) {
    throw new ResolverError("Fault", `unreadable fault in reply to ${operation}`, { cause: e });
  }
  if (fault !== undefined) throw faultToError(fault);
  try {
    switch (operation) {
      case "Register":
      case "Update": {
        const b = parseRegisterResponse(message);
        return {
          operation,
          body: {
            RegistrationId: b.registrationId,
            RegistrationLifetime: b.registrationLifetime,
          },
        };
      }
      case "Resolve": {
        const b = parseResolveResponse(message);
        return { operation, body: { Addresses: (b.addresses ?? []).map(nodeAddressFromWire) } };
      }
      case "Unregister":
        return { operation, body: null };
      case "Refresh": {
        const b = parseRefreshResponse(message);
        return {
          operation,
          body: { RegistrationLifetime: b.registrationLifetime, Result: b.result },
        };
      }
      case "GetServiceInfo": {
        const b = parseServiceSettingsResponse(message);
        return { operation, body: { ControlMeshShape: b.controlMeshShape } };
      }
    }
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new ResolverError("Fault", `malformed reply to ${operation}: ${detail}`, { cause: e });
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set<ResolverErrorCode>([
  "RegistrationNotFound",
  "QuotaExceeded",
  "InvalidRequest",
  "DuplicateRegistration",
  "Timeout",
  "Fault",
  "Closed",
  "StoreFailure",
  "InvalidState",
  "BadConfig",
]);

/** Turns a received SOAP fault into a {@link ResolverFaultError}. */
export function faultToError(fault: SoapFault): ResolverFaultError {
  const sub = fault.code.subcode;
  const remote =
    sub !== undefined && sub.namespace === RESOLVER_FAULT_NAMESPACE && ERROR_CODES.has(sub.name)
      ? (sub.name as ResolverErrorCode)
      : undefined;
  return new ResolverFaultError({
    soapCode: fault.code.name,
    ...(sub !== undefined ? { subcode: `{${sub.namespace}}${sub.name}` } : {}),
    ...(remote !== undefined ? { remoteCode: remote } : {}),
    reason: fault.reasons[0]?.text ?? "",
  });
}

/** The fault a service sends for `error`: Sender or Receiver, with our subcode. */
export function errorToFault(error: unknown, version: MessageVersion): SoapFault {
  if (error instanceof ResolverError) {
    const quota: FaultCode | undefined =
      error instanceof ResolverQuotaError
        ? { name: error.quota, namespace: RESOLVER_FAULT_NAMESPACE }
        : undefined;
    const sub: FaultCode = {
      name: error.code,
      namespace: RESOLVER_FAULT_NAMESPACE,
      ...(quota !== undefined ? { subcode: quota } : {}),
    };
    return {
      code: faultCode(error.faultCode, version, sub),
      reasons: [{ text: error.message, lang: "en-US" }],
    };
  }
  // Anything else is our own bug or a store failure: say nothing about it, as WCF does without
  // IncludeExceptionDetailInFaults.
  return {
    code: faultCode("Receiver", version, {
      name: "StoreFailure",
      namespace: RESOLVER_FAULT_NAMESPACE,
    }),
    reasons: [{ text: "The resolver could not process the request.", lang: "en-US" }],
  };
}

/** A fault message answering a request, for `error`. */
export function errorToFaultMessage(error: unknown, a: ReplyAddressing = {}): Message {
  const version = versionOf(a);
  return createFaultMessage(errorToFault(error, version), {
    version,
    to: a.to ?? WSA.anonymous10,
    ...(a.relatesTo !== undefined ? { relatesTo: a.relatesTo } : {}),
  });
}

/**
 * The fault WCF sends for an action its contract does not have: Sender with the WS-Addressing
 * `ActionNotSupported` subcode (WS-Addressing 1.0 SOAP Binding §6.4.4).
 */
export function actionNotSupportedFaultMessage(
  action: string | undefined,
  a: ReplyAddressing = {},
): Message {
  const version = versionOf(a);
  return createFaultMessage(
    {
      code: faultCode("Sender", version, { name: "ActionNotSupported", namespace: NS.wsa10 }),
      reasons: [
        {
          text: `The message with Action '${action ?? ""}' cannot be processed at the receiver.`,
          lang: "en-US",
        },
      ],
    },
    {
      version,
      to: a.to ?? WSA.anonymous10,
      ...(a.relatesTo !== undefined ? { relatesTo: a.relatesTo } : {}),
    },
  );
}
