/** The namespace of the framing faults (MC-NMF §2.2.5); other faults must not use it. */
export const FAULT_NAMESPACE = "http://schemas.microsoft.com/ws/2006/05/framing/faults/";

/** The 15 well-known fault names of MC-NMF §2.2.5. */
export const FaultName = {
  ConnectionDispatchFailed: "ConnectionDispatchFailed",
  ContentTypeInvalid: "ContentTypeInvalid",
  ContentTypeTooLong: "ContentTypeTooLong",
  EndpointAccessDenied: "EndpointAccessDenied",
  EndpointNotFound: "EndpointNotFound",
  EndpointPaused: "EndpointPaused",
  EndpointUnavailable: "EndpointUnavailable",
  InvalidRecordSequence: "InvalidRecordSequence",
  MaxMessageSizeExceededFault: "MaxMessageSizeExceededFault",
  ServerTooBusy: "ServerTooBusy",
  ServiceActivationFailed: "ServiceActivationFailed",
  UnsupportedMode: "UnsupportedMode",
  UnsupportedVersion: "UnsupportedVersion",
  UpgradeInvalid: "UpgradeInvalid",
  ViaTooLong: "ViaTooLong",
} as const;

/** One of the well-known fault names. */
export type FaultName = (typeof FaultName)[keyof typeof FaultName];

const KNOWN = new Set<string>(Object.values(FaultName));

/** The full fault URI for a well-known fault name, e.g. `…/framing/faults/UnsupportedMode`. */
export function faultUri(name: FaultName): string {
  return FAULT_NAMESPACE + name;
}

/**
 * The well-known fault name a fault URI stands for, or `undefined` when the
 * URI is not one of the 15 (a vendor fault or garbage). Matching is exact:
 * .NET compares these strings ordinally.
 */
export function wellKnownFault(fault: string): FaultName | undefined {
  if (!fault.startsWith(FAULT_NAMESPACE)) return undefined;
  const name = fault.slice(FAULT_NAMESPACE.length);
  return KNOWN.has(name) ? (name as FaultName) : undefined;
}

/** True when `fault` is the URI of the well-known fault `name`. */
export function isFault(fault: string, name: FaultName): boolean {
  return fault === FAULT_NAMESPACE + name;
}
