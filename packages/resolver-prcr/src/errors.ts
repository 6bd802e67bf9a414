/** Every way a resolver operation can fail, as a stable string the caller can switch on. */
export type ResolverErrorCode =
  /** Update/Refresh/Unregister named a registration the service does not hold (client side only: the service answers Refresh with RegistrationNotFound instead). */
  | "RegistrationNotFound"
  /** A quota against abuse was exceeded; see {@link ResolverQuotaError}. */
  | "QuotaExceeded"
  /** A request is incomplete or malformed (bad GUID, empty mesh id, bad URI, no IP address…). */
  | "InvalidRequest"
  /** Register/Update of an endpoint whose ServicePath is already registered in the mesh. */
  | "DuplicateRegistration"
  /** The 2-minute message response timer (MC-PRCR §3.1.2.2) fired before a reply arrived. */
  | "Timeout"
  /** The service answered with a SOAP fault, or the transport failed. */
  | "Fault"
  /** The client or store has been closed. */
  | "Closed"
  /** The registration store failed (e.g. Redis unreachable or returned something unexpected). */
  | "StoreFailure"
  /** The caller used the API in a way it does not allow (e.g. two registrations on one client). */
  | "InvalidState"
  /** An option is out of range. */
  | "BadConfig";

/**
 * The one error class of `@prch/resolver-prcr`.
 *
 * MC-PRCR §3.2.5 says the service aborts the connection on any error; WCF (which Windows runs)
 * turns a service exception into a SOAP fault instead. {@link ResolverError.faultCode} tells the
 * wire layer which SOAP 1.2 fault code to send: `Sender` when the request was to blame, `Receiver`
 * when the service was.
 */
export class ResolverError extends Error {
  readonly code: ResolverErrorCode;

  constructor(code: ResolverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ResolverError";
    this.code = code;
  }

  /** SOAP 1.2 fault code (`env:Sender` or `env:Receiver`) for a fault built from this error. */
  get faultCode(): "Sender" | "Receiver" {
    return this.code === "StoreFailure" || this.code === "Closed" ? "Receiver" : "Sender";
  }
}

/** Names of the service quotas (see {@link ResolverQuotas}). */
export type ResolverQuotaName =
  | "maxMeshes"
  | "maxRegistrationsPerMesh"
  | "maxRegistrations"
  | "maxAddressesPerRegistration"
  | "maxMeshIdLength"
  | "maxUriLength"
  | "maxResolveAddresses"
  /** Requests per second on one connection (see RequestRateLimiter). */
  | "requestRate"
  /** Bytes in one request message (see ResolverDispatcher). */
  | "maxRequestBytes";

/** A request exceeded a quota; raise `quota` above `limit` to accept it. */
export class ResolverQuotaError extends ResolverError {
  readonly quota: ResolverQuotaName;
  readonly limit: number;

  constructor(quota: ResolverQuotaName, limit: number) {
    super("QuotaExceeded", `quota ${quota} (${limit}) exceeded`);
    this.name = "ResolverQuotaError";
    this.quota = quota;
    this.limit = limit;
  }
}

/**
 * The service answered with a SOAP fault. `code` is always `Fault`; `remoteCode` is the
 * {@link ResolverErrorCode} a prch service put in the fault's subcode (undefined for faults from
 * other services, e.g. WCF's `InternalServiceFault`), and `faultCode`/`subcode` are the fault's
 * own qualified names.
 */
export class ResolverFaultError extends ResolverError {
  /** The SOAP fault code's local name as received (`Sender`, `Receiver`, `Client`, `Server`…). */
  readonly soapCode: string;
  /** The first subcode, if any, as `{namespace}name`. */
  readonly subcode: string | undefined;
  /** The resolver error code a prch service reported, when the subcode carries one. */
  readonly remoteCode: ResolverErrorCode | undefined;
  /** The fault's reason text. */
  readonly reason: string;

  constructor(init: {
    soapCode: string;
    subcode?: string;
    remoteCode?: ResolverErrorCode;
    reason: string;
  }) {
    super(
      "Fault",
      `service fault ${init.remoteCode ?? init.subcode ?? init.soapCode}: ${init.reason}`,
    );
    this.name = "ResolverFaultError";
    this.soapCode = init.soapCode;
    this.subcode = init.subcode;
    this.remoteCode = init.remoteCode;
    this.reason = init.reason;
  }
}
