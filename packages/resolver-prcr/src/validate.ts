import { isIP } from "node:net";
import { ResolverError, ResolverQuotaError } from "./errors.js";
import { type Guid, isGuid, normalizeGuid, type PeerNodeAddress } from "./model.js";
import type { ResolverQuotas } from "./quotas.js";

function invalid(message: string): ResolverError {
  return new ResolverError("InvalidRequest", message);
}

/** A request's GUID member, checked and lower-cased. */
export function checkGuid(value: unknown, name: string): Guid {
  if (!isGuid(value)) throw invalid(`${name} is not a GUID`);
  return normalizeGuid(value);
}

/** A request's MeshId: a non-empty string within the quota. */
export function checkMeshId(value: unknown, quotas: ResolverQuotas): string {
  if (typeof value !== "string" || value.length === 0) throw invalid("MeshId is missing");
  if (value.length > quotas.maxMeshIdLength) {
    throw new ResolverQuotaError("maxMeshIdLength", quotas.maxMeshIdLength);
  }
  return value;
}

/**
 * The identity Windows gives a PeerNodeAddress: the upper-cased PathAndQuery of its endpoint URI;
 * host and port do not count (WINDOWS-NOTES §1.2, PeerNodeAddress.ServicePath). Undefined if the
 * string is not an absolute URI.
 */
export function servicePath(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  // .NET reports "/" for an empty path; WHATWG URL gives "" for non-special schemes such as net.tcp.
  const path = u.pathname === "" ? "/" : u.pathname;
  return (path + u.search).toUpperCase();
}

/**
 * A request's NodeAddress (MC-PRCR §2.2.2.1): an absolute endpoint URI and one or more IP
 * literals, within the quotas. Returns a copy detached from the caller's arrays, and its
 * ServicePath.
 */
export function checkNodeAddress(
  value: unknown,
  quotas: ResolverQuotas,
): { address: PeerNodeAddress; servicePath: string } {
  if (typeof value !== "object" || value === null) throw invalid("NodeAddress is missing");
  const { EndpointAddress, IPAddresses } = value as Partial<PeerNodeAddress>;
  if (typeof EndpointAddress !== "string" || EndpointAddress.length === 0) {
    throw invalid("NodeAddress has no endpoint address");
  }
  if (EndpointAddress.length > quotas.maxUriLength) {
    throw new ResolverQuotaError("maxUriLength", quotas.maxUriLength);
  }
  const sp = servicePath(EndpointAddress);
  if (sp === undefined) throw invalid("NodeAddress endpoint is not an absolute URI");
  if (!Array.isArray(IPAddresses) || IPAddresses.length === 0) {
    // MC-PRCR §2.2.2.1: "MUST contain one or more IPAddress structures".
    throw invalid("NodeAddress has no IP address");
  }
  if (IPAddresses.length > quotas.maxAddressesPerRegistration) {
    throw new ResolverQuotaError("maxAddressesPerRegistration", quotas.maxAddressesPerRegistration);
  }
  const ips: string[] = [];
  for (const ip of IPAddresses as readonly unknown[]) {
    if (typeof ip !== "string" || isIP(ip) === 0) throw invalid("NodeAddress has a bad IP address");
    ips.push(ip);
  }
  return { address: { EndpointAddress, IPAddresses: ips }, servicePath: sp };
}
