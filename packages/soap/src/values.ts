import type { XmlValue } from "@prch/nbfs";
import { SoapError } from "./errors.js";

/**
 * Conversions between the typed values an @prch/nbfs reader reports and the
 * JavaScript types of the DataContract layer. The binary reader reports the
 * record's own type (Int8Text, UInt64Text, GuidText…); the text reader always
 * reports strings, which are parsed here with .NET XmlConvert rules
 * (surrounding whitespace allowed, a leading sign allowed).
 */

const TICKS_PER_SECOND = 10_000_000n;
const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INTEGER_RE = /^[+-]?[0-9]+$/;
// XML whitespace only (XmlConvert trims these, not every Unicode space).
const XML_WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

function invalid(what: string, v: XmlValue): never {
  throw new SoapError("invalid-value", `not a valid ${what}: ${describe(v)}`);
}

function describe(v: XmlValue): string {
  const s = valueToString(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function trimXml(s: string): string {
  return s.replace(XML_WS, "");
}

/** Parses an integer in [min, max] from a typed value. */
export function valueToBigInt(v: XmlValue, min: bigint, max: bigint, what: string): bigint {
  let n: bigint;
  switch (v.type) {
    case "int32":
      n = BigInt(v.value);
      break;
    case "int64":
    case "uint64":
      n = v.value;
      break;
    case "string":
    case "dictionary": {
      const s = trimXml(v.type === "string" ? v.value : v.value.value);
      // Bounded length before BigInt() so a hostile 8 KB digit string costs nothing.
      if (!INTEGER_RE.test(s) || s.length > 21) invalid(what, v);
      n = BigInt(s);
      break;
    }
    default:
      invalid(what, v);
  }
  if (n < min || n > max) invalid(what, v);
  return n;
}

export function valueToInt32(v: XmlValue): number {
  if (v.type === "int32") return v.value;
  return Number(valueToBigInt(v, -0x80000000n, 0x7fffffffn, "xs:int"));
}

export function valueToUInt32(v: XmlValue): number {
  if (v.type === "int32" && v.value >= 0) return v.value;
  return Number(valueToBigInt(v, 0n, 0xffffffffn, "xs:unsignedInt"));
}

export function valueToUInt16(v: XmlValue): number {
  if (v.type === "int32" && v.value >= 0 && v.value <= 0xffff) return v.value;
  return Number(valueToBigInt(v, 0n, 0xffffn, "xs:unsignedShort"));
}

export function valueToInt64(v: XmlValue): bigint {
  return valueToBigInt(v, INT64_MIN, INT64_MAX, "xs:long");
}

export function valueToUInt64(v: XmlValue): bigint {
  return valueToBigInt(v, 0n, UINT64_MAX, "xs:unsignedLong");
}

export function valueToBool(v: XmlValue): boolean {
  switch (v.type) {
    case "bool":
      return v.value;
    case "int32":
      if (v.value === 0 || v.value === 1) return v.value === 1;
      break;
    case "string":
    case "dictionary": {
      const s = trimXml(v.type === "string" ? v.value : v.value.value);
      if (s === "true" || s === "1") return true;
      if (s === "false" || s === "0") return false;
      break;
    }
  }
  return invalid("xs:boolean", v);
}

/** A GUID as lowercase "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
export function valueToGuid(v: XmlValue): string {
  if (v.type === "guid") return v.value;
  if (v.type === "string" || v.type === "dictionary") {
    const s = trimXml(v.type === "string" ? v.value : v.value.value);
    if (GUID_RE.test(s)) return s.toLowerCase();
  }
  return invalid("guid", v);
}

/** Validates and normalises a GUID string given by a caller. */
export function normalizeGuid(s: string): string {
  if (!GUID_RE.test(s)) throw new SoapError("invalid-argument", `not a GUID: ${JSON.stringify(s)}`);
  return s.toLowerCase();
}

/** A .NET TimeSpan (100-ns ticks) from TimeSpanText or an xs:duration string. */
export function valueToTimeSpan(v: XmlValue): bigint {
  if (v.type === "timespan") return v.value;
  if (v.type === "string" || v.type === "dictionary") {
    const t = parseDuration(trimXml(v.type === "string" ? v.value : v.value.value));
    if (t !== undefined) return t;
  }
  return invalid("xs:duration", v);
}

const DURATION_RE =
  /^(-)?P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)(?:\.([0-9]+))?S)?)?$/;

/**
 * Parses xs:duration into TimeSpan ticks as XmlConvert.ToTimeSpan does:
 * a year counts 365 days and a month 30; digits below 100 ns are dropped.
 * Returns undefined when the text is not a duration or overflows TimeSpan.
 */
export function parseDuration(s: string): bigint | undefined {
  if (s.length > 64) return undefined;
  const m = DURATION_RE.exec(s);
  if (m === null || s.endsWith("T") || s === "P" || s === "-P") return undefined;
  const num = (i: number) => BigInt(m[i] ?? "0");
  let ticks =
    (num(2) * 365n + num(3) * 30n + num(4)) * TICKS_PER_DAY +
    num(5) * TICKS_PER_HOUR +
    num(6) * TICKS_PER_MINUTE +
    num(7) * TICKS_PER_SECOND;
  const frac = m[8];
  if (frac !== undefined) ticks += BigInt(frac.slice(0, 7).padEnd(7, "0"));
  if (m[1] !== undefined) ticks = -ticks;
  if (ticks < INT64_MIN || ticks > INT64_MAX) return undefined;
  return ticks;
}

/** Formats TimeSpan ticks as XmlConvert.ToString(TimeSpan) does ("PT10M", "-P1DT2H", "PT0S"). */
export function formatDuration(ticks: bigint): string {
  const negative = ticks < 0n;
  let t = negative ? -ticks : ticks;
  const days = t / TICKS_PER_DAY;
  t %= TICKS_PER_DAY;
  const hours = t / TICKS_PER_HOUR;
  t %= TICKS_PER_HOUR;
  const minutes = t / TICKS_PER_MINUTE;
  t %= TICKS_PER_MINUTE;
  const seconds = t / TICKS_PER_SECOND;
  const fraction = t % TICKS_PER_SECOND;
  let out = negative ? "-P" : "P";
  if (days !== 0n) out += `${days}D`;
  if (hours !== 0n || minutes !== 0n || seconds !== 0n || fraction !== 0n) {
    out += "T";
    if (hours !== 0n) out += `${hours}H`;
    if (minutes !== 0n) out += `${minutes}M`;
    if (seconds !== 0n || fraction !== 0n) {
      out += `${seconds}`;
      if (fraction !== 0n) out += `.${fraction.toString().padStart(7, "0").replace(/0+$/, "")}`;
      out += "S";
    }
  }
  if (out.endsWith("P")) out += "T0S";
  return out;
}

function formatDouble(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "INF";
  if (n === Number.NEGATIVE_INFINITY) return "-INF";
  return String(n);
}

/** The text form of any typed value (what a text reader would have reported). */
export function valueToString(v: XmlValue): string {
  switch (v.type) {
    case "string":
      return v.value;
    case "dictionary":
      return v.value.value;
    case "int32":
    case "int64":
    case "uint64":
      return v.value.toString();
    case "bool":
      return v.value ? "true" : "false";
    case "float":
    case "double":
      return formatDouble(v.value);
    case "guid":
      return v.value;
    case "uniqueid":
      return `urn:uuid:${v.value}`;
    case "timespan":
      return formatDuration(v.value);
    case "base64":
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString("base64");
    case "qname":
      return v.prefix === "" ? v.localName.value : `${v.prefix}:${v.localName.value}`;
    case "list":
      return v.items.map(valueToString).join(" ");
    case "decimal": {
      const digits = v.value.mantissa.toString().padStart(v.value.scale + 1, "0");
      const int = digits.slice(0, digits.length - v.value.scale);
      const frac = digits.slice(digits.length - v.value.scale);
      return `${v.value.negative ? "-" : ""}${int}${frac.length > 0 ? `.${frac}` : ""}`;
    }
    case "datetime":
      return v.value.ticks.toString();
  }
}

/** Bytes of a base64 value (Bytes*Text) or of base64 text. */
export function valueToBytes(v: XmlValue): Uint8Array {
  if (v.type === "base64") return v.value;
  if (v.type === "string") {
    const s = v.value.replace(/[ \t\r\n]/g, "");
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0) {
      return new Uint8Array(Buffer.from(s, "base64"));
    }
  }
  return invalid("xs:base64Binary", v);
}
