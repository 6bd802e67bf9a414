import { isIPv4, isIPv6 } from "node:net";
import { NS } from "./constants.js";
import { dcCollection, type DataContract, type DcReadContext } from "./datacontract.js";
import { sessionString } from "./dictionary.js";
import { SoapError } from "./errors.js";
import {
  valueToInt32,
  valueToInt64,
  valueToString,
  valueToUInt16,
  valueToUInt32,
} from "./values.js";
import { childPath, type XmlIn, type XmlOut } from "./xmlio.js";

/**
 * System.Net.Sockets.AddressFamily values that IPAddress can carry. The prose
 * of MC-PRCH §2.2.2.2 / MC-PRCR §2.2.2.1 says "Internetwork"; the §6 schemas,
 * the MC-PRCH §4.1.3 example and Windows use `InterNetwork`, which we follow.
 */
export type IPAddressFamily = "InterNetwork" | "InterNetworkV6";

/**
 * A System.Net.IPAddress as Peer Channel carries it: 4 or 16 address bytes
 * in network order plus, for IPv6, the scope id.
 */
export interface IPAddress {
  readonly family: IPAddressFamily;
  /** 4 bytes (IPv4) or 16 bytes (IPv6), network order. */
  readonly bytes: Uint8Array;
  /** IPv6 scope id (0 for none); always 0 for IPv4. */
  readonly scopeId: bigint;
}

/** Parses "a.b.c.d", "x:y::z" or "x:y::z%scope" (numeric scope). */
export function parseIPAddress(text: string): IPAddress {
  let addr = text;
  let scopeId = 0n;
  const pct = text.indexOf("%");
  if (pct >= 0) {
    addr = text.slice(0, pct);
    const scope = text.slice(pct + 1);
    if (!/^[0-9]{1,10}$/.test(scope) || BigInt(scope) > 0xffffffffn) {
      throw new SoapError("invalid-argument", `unsupported IPv6 scope in ${JSON.stringify(text)}`);
    }
    scopeId = BigInt(scope);
  }
  if (pct < 0 && isIPv4(addr)) {
    return {
      family: "InterNetwork",
      bytes: Uint8Array.from(addr.split(".").map(Number)),
      scopeId: 0n,
    };
  }
  if (isIPv6(addr)) return { family: "InterNetworkV6", bytes: ipv6Bytes(addr), scopeId };
  throw new SoapError("invalid-argument", `not an IP address: ${JSON.stringify(text)}`);
}

function ipv6Bytes(addr: string): Uint8Array {
  // `addr` already passed isIPv6, so only the shapes below can occur.
  let text = addr;
  let v4: number[] | undefined;
  const lastColon = addr.lastIndexOf(":");
  if (addr.slice(lastColon + 1).includes(".")) {
    v4 = addr
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    text = `${addr.slice(0, lastColon + 1)}0:0`;
  }
  const parse = (t: string) => (t === "" ? [] : t.split(":").map((h) => Number.parseInt(h, 16)));
  let groups: number[];
  const gap = text.indexOf("::");
  if (gap >= 0) {
    const head = parse(text.slice(0, gap));
    const tail = parse(text.slice(gap + 2));
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = parse(text);
  }
  if (v4 !== undefined) {
    groups[6] = (v4[0]! << 8) | v4[1]!;
    groups[7] = (v4[2]! << 8) | v4[3]!;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Text form: dotted quad, or RFC 5952 compressed IPv6 with "%scope" when non-zero. */
export function formatIPAddress(a: IPAddress): string {
  if (a.family === "InterNetwork") return Array.from(a.bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((a.bytes[i * 2]! << 8) | a.bytes[i * 2 + 1]!);
  // Longest run of zero groups (length ≥ 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  const text =
    bestStart < 0
      ? hex(groups)
      : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
  return a.scopeId !== 0n ? `${text}%${a.scopeId}` : text;
}

/**
 * The value of .NET Framework's `m_Address` for an IPv4 address: the four
 * bytes read as a little-endian integer, so 157.59.137.223 is 3750312861
 * (MC-PRCH §4.1.3; README trap: not network order).
 */
export function ipv4ToMAddress(bytes: Uint8Array): bigint {
  return BigInt((bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0);
}

export function mAddressToIPv4(v: bigint): Uint8Array {
  const n = Number(v & 0xffffffffn);
  return Uint8Array.from([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

const X = {
  mAddress: sessionString("m_Address"),
  mFamily: sessionString("m_Family"),
  mHashCode: sessionString("m_HashCode"),
  mNumbers: sessionString("m_Numbers"),
  mScopeId: sessionString("m_ScopeId"),
  unsignedShort: sessionString("unsignedShort"),
  systemNet: sessionString(NS.systemNet),
  arrays: sessionString(NS.serializationArrays),
};

function writeIPAddress(out: XmlOut, a: IPAddress): void {
  const v4 = a.family === "InterNetwork";
  if ((v4 && a.bytes.length !== 4) || (!v4 && a.bytes.length !== 16)) {
    throw new SoapError("invalid-argument", `${a.family} address needs ${v4 ? 4 : 16} bytes`);
  }
  const ns = X.systemNet;
  out.startElement(X.mAddress, ns);
  out.writer.writeInt64(v4 ? ipv4ToMAddress(a.bytes) : 0n);
  out.endElement();
  out.startElement(X.mFamily, ns);
  out.writer.writeString(a.family);
  out.endElement();
  // m_HashCode is a lazily computed cache; Windows sends 0 and readers ignore it (MC-PRCH §2.2.2.2).
  out.startElement(X.mHashCode, ns);
  out.writer.writeInt32(0);
  out.endElement();
  // .NET Framework always allocates m_Numbers as ushort[8]; IPv4 sends eight zeros (MC-PRCH §4.1.3).
  out.startElement(X.mNumbers, ns);
  out.declareNamespace(X.arrays);
  for (let i = 0; i < 8; i++) {
    out.startElement(X.unsignedShort, X.arrays);
    out.writer.writeInt32(v4 ? 0 : (a.bytes[i * 2]! << 8) | a.bytes[i * 2 + 1]!);
    out.endElement();
  }
  out.endElement();
  out.startElement(X.mScopeId, ns);
  out.writer.writeInt64(v4 ? 0n : a.scopeId);
  out.endElement();
}

function readNumbers(inp: XmlIn, path: string, ctx: DcReadContext): number[] | null {
  if (inp.isNil()) {
    inp.skip();
    return null;
  }
  const nums: number[] = [];
  if (!inp.enter()) return nums;
  const r = inp.reader;
  while (inp.nextChild(path)) {
    if (r.localName !== "unsignedShort" || r.namespaceUri !== NS.serializationArrays) {
      inp.skip();
      continue;
    }
    if (nums.length >= 8 || --ctx.itemsLeft < 0) {
      throw new SoapError("invalid-value", "IPAddress has more than 8 address groups", { path });
    }
    nums.push(valueToUInt16(inp.value()));
  }
  return nums;
}

/**
 * Reads either the .NET Framework form (`m_Address`, `m_Family`,
 * `m_HashCode`, `m_Numbers`, `m_ScopeId`) or Mono's form
 * (`_addressOrScopeId`, `_hashCode`, `_numbers`, `_toString`; the family is
 * implied by `_numbers` being nil for IPv4).
 */
function readIPAddress(inp: XmlIn, path: string, ctx: DcReadContext): IPAddress {
  let mAddress: bigint | undefined;
  let family: string | undefined;
  let numbers: number[] | null | undefined;
  let scope: bigint | undefined;
  let monoAddressOrScope: bigint | undefined;
  let mono = false;
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.namespaceUri !== NS.systemNet) {
        inp.skip();
        continue;
      }
      const p = childPath(path, r.localName);
      if (--ctx.itemsLeft < 0)
        throw new SoapError("quota-exceeded", "maxItems exceeded", { path: p });
      try {
        switch (r.localName) {
          case "m_Address":
            mAddress = valueToInt64(inp.value());
            break;
          case "m_Family":
            family = valueToString(inp.value()).trim();
            break;
          case "m_Numbers":
          case "_numbers":
            mono ||= r.localName === "_numbers";
            numbers = readNumbers(inp, p, ctx);
            break;
          case "m_ScopeId":
            scope = valueToInt64(inp.value());
            break;
          case "_addressOrScopeId":
            mono = true;
            monoAddressOrScope = BigInt(valueToUInt32(inp.value()));
            break;
          case "m_HashCode":
          case "_hashCode":
            // Ignored on receipt (MC-PRCH §2.2.2.2), but it must still be an int.
            valueToInt32(inp.value());
            break;
          default:
            inp.skip();
        }
      } catch (e) {
        if (e instanceof SoapError && e.path === undefined) {
          throw new SoapError(e.code, e.message, { path: p, cause: e });
        }
        throw e;
      }
    }
  }
  if (mono && family === undefined) {
    if (monoAddressOrScope === undefined) {
      throw new SoapError("missing-element", "IPAddress without _addressOrScopeId", { path });
    }
    if (numbers === null || numbers === undefined) {
      return { family: "InterNetwork", bytes: mAddressToIPv4(monoAddressOrScope), scopeId: 0n };
    }
    return {
      family: "InterNetworkV6",
      bytes: numbersToBytes(numbers, path),
      scopeId: monoAddressOrScope,
    };
  }
  if (family === "InterNetwork") {
    if (mAddress === undefined)
      throw new SoapError("missing-element", "IPAddress without m_Address", { path });
    if (mAddress < 0n || mAddress > 0xffffffffn) {
      throw new SoapError("invalid-value", `m_Address ${mAddress} is not a 32-bit address`, {
        path,
      });
    }
    return { family, bytes: mAddressToIPv4(mAddress), scopeId: 0n };
  }
  if (family === "InterNetworkV6") {
    if (numbers === null || numbers === undefined) {
      throw new SoapError("missing-element", "IPv6 IPAddress without m_Numbers", { path });
    }
    const s = scope ?? 0n;
    if (s < 0n || s > 0xffffffffn)
      throw new SoapError("invalid-value", "m_ScopeId out of range", { path });
    return { family, bytes: numbersToBytes(numbers, path), scopeId: s };
  }
  if (family === undefined)
    throw new SoapError("missing-element", "IPAddress without m_Family", { path });
  throw new SoapError(
    "invalid-value",
    `unsupported address family ${JSON.stringify(family.slice(0, 40))}`,
    {
      path,
    },
  );
}

function numbersToBytes(numbers: number[], path: string): Uint8Array {
  if (numbers.length !== 8) {
    throw new SoapError("invalid-value", `IPv6 address needs 8 groups, got ${numbers.length}`, {
      path,
    });
  }
  const out = new Uint8Array(16);
  numbers.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** System.Net.IPAddress in the .NET Framework `m_*` form (MC-PRCH §2.2.2.2, MC-PRCR §6.6). */
export const dcIPAddress: DataContract<IPAddress> = Object.freeze({
  kind: "class" as const,
  name: "IPAddress",
  ns: NS.systemNet,
  nillable: true,
  writeContent: writeIPAddress,
  readContent: (inp: XmlIn, path: string, ctx: DcReadContext) => {
    if (--ctx.itemsLeft < 0) throw new SoapError("quota-exceeded", "maxItems exceeded", { path });
    return readIPAddress(inp, path, ctx);
  },
});

/** ArrayOfIPAddress (MC-PRCR §6.6). */
export const dcArrayOfIPAddress = dcCollection({
  name: "ArrayOfIPAddress",
  ns: NS.systemNet,
  itemName: "IPAddress",
  itemType: dcIPAddress,
});
