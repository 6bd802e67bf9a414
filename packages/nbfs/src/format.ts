import type { Decimal, XmlDateTime, XmlValue } from "./api.js";
import { NbfsError } from "./errors.js";

// Text renderings of typed values, as .NET's XmlConvert/XmlConverter
// produce them (MC-NBFX §2.2.3).

// Two lowercase hex digits per byte value, packed as (first | second << 8).
const HEX_PAIR = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const digits = "0123456789abcdef";
  HEX_PAIR[i] = digits.charCodeAt(i >> 4) | (digits.charCodeAt(i & 15) << 8);
}
const GUID_SCRATCH = new Uint8Array(36);
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

function hexAt(at: number, byte: number): void {
  const v = HEX_PAIR[byte]!;
  GUID_SCRATCH[at] = v & 0xff;
  GUID_SCRATCH[at + 1] = v >> 8;
}

/**
 * A GUID from 16 bytes in .NET `Guid.ToByteArray()` order (Data1–3 little-
 * endian, Data4 as is), lowercase with hyphens (MC-NBFX §2.2.3.24). Built
 * in a scratch buffer and sliced once: several times faster than joining
 * twenty pieces.
 */
export function guidFromBytes(b: Uint8Array, p = 0): string {
  hexAt(0, b[p + 3]!);
  hexAt(2, b[p + 2]!);
  hexAt(4, b[p + 1]!);
  hexAt(6, b[p]!);
  GUID_SCRATCH[8] = 0x2d;
  hexAt(9, b[p + 5]!);
  hexAt(11, b[p + 4]!);
  GUID_SCRATCH[13] = 0x2d;
  hexAt(14, b[p + 7]!);
  hexAt(16, b[p + 6]!);
  GUID_SCRATCH[18] = 0x2d;
  hexAt(19, b[p + 8]!);
  hexAt(21, b[p + 9]!);
  GUID_SCRATCH[23] = 0x2d;
  for (let i = 0; i < 6; i++) hexAt(24 + i * 2, b[p + 10 + i]!);
  if (nativeLatin1 !== undefined) return nativeLatin1.call(GUID_SCRATCH, 0, 36);
  return String.fromCharCode(...GUID_SCRATCH);
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True if `s` is "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits, any case). */
export function isGuidString(s: string): boolean {
  return s.length === 36 && GUID_RE.test(s);
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}
// Character index of each byte's two hex digits in the text form, in the
// order of .NET's Guid.ToByteArray() (Data1–3 little-endian).
const GUID_TEXT_POS = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34];

/** Writes the 16 .NET-order bytes of a GUID string at `p`. Throws NbfsError if it is not one. */
export function guidToBytes(s: string, out: Uint8Array = new Uint8Array(16), p = 0): Uint8Array {
  if (
    s.length !== 36 ||
    s.charCodeAt(8) !== 45 ||
    s.charCodeAt(13) !== 45 ||
    s.charCodeAt(18) !== 45 ||
    s.charCodeAt(23) !== 45
  ) {
    throw new NbfsError("invalid-value", `not a GUID: ${JSON.stringify(s)}`);
  }
  for (let i = 0; i < 16; i++) {
    const at = GUID_TEXT_POS[i]!;
    const hi = s.charCodeAt(at);
    const lo = s.charCodeAt(at + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) throw new NbfsError("invalid-value", `not a GUID: ${JSON.stringify(s)}`);
    out[p + i] = (h << 4) | l;
  }
  return out;
}

/**
 * Lays out significant digits and a decimal exponent the way .NET's "G"
 * formatting does: plain notation while the exponent lies in
 * [-5, precision), otherwise d.dddE±XX with at least two exponent digits.
 */
function layoutNumber(neg: boolean, digits: string, exp: number, precision: number): string {
  const sign = neg ? "-" : "";
  const n = digits.length;
  const maxDigits = Math.max(n, precision);
  if (exp >= maxDigits || exp < -4) {
    const mant = n > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mant}E${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (exp + 1 >= n) return sign + digits + "0".repeat(exp + 1 - n);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function splitExponential(s: string): { digits: string; exp: number } {
  // s is like "1.2345e+5" or "5e-7" (no sign).
  const e = s.indexOf("e");
  const mant = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  let digits = mant.length > 1 ? mant[0]! + mant.slice(2) : mant;
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  return { digits, exp };
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "INF";
  if (x === Number.NEGATIVE_INFINITY) return "-INF";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  return undefined;
}

/**
 * A double as .NET Framework's XmlConvert renders it ("R" format): 15
 * significant digits if they read back as the same double, otherwise 17;
 * INF/-INF/NaN and -0 (MC-NBFX §2.2.3.10, whose own example shows
 * "2.7182818284590451" for e). Checked against Mono, which shares the code.
 */
export function formatDouble(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const a = Math.abs(x);
  let repr = a.toExponential(14);
  let precision = 15;
  if (Number(repr) !== a) {
    repr = a.toExponential(16);
    precision = 17;
  }
  const { digits, exp } = splitExponential(repr);
  return layoutNumber(x < 0, digits, exp, precision);
}

/**
 * A float32 as .NET renders it: 7 significant digits if they read back as
 * the same float32 ("1.1", not "1.100000023841858"), otherwise 9
 * (MC-NBFX §2.2.3.9).
 */
export function formatFloat(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const f = Math.fround(x);
  const a = Math.abs(f);
  let repr = a.toExponential(6);
  let precision = 7;
  if (Math.fround(Number(repr)) !== a) {
    repr = a.toExponential(8);
    precision = 9;
  }
  const { digits, exp } = splitExponential(repr);
  return layoutNumber(f < 0, digits, exp, precision);
}

/**
 * A decimal as .NET's `decimal.ToString()` renders it: all `scale` fraction
 * digits are kept ("1.50" stays "1.50"). MC-NBFX §2.2.3.11 says trailing
 * zeros are dropped, but .NET keeps them; we follow .NET.
 */
export function formatDecimal(d: Decimal): string {
  let digits = d.mantissa.toString();
  if (d.scale > 0) {
    if (digits.length <= d.scale) digits = "0".repeat(d.scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - d.scale)}.${digits.slice(digits.length - d.scale)}`;
  }
  return d.negative && d.mantissa !== 0n ? `-${digits}` : digits;
}

/** Ticks in one day / second, and the largest valid DateTime tick count. */
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_DAY = 864_000_000_000n;
export const MAX_DATETIME_TICKS = 3_155_378_975_999_999_999n;
/** Days from 0001-01-01 to 1970-01-01. */
const EPOCH_DAYS = 719_162;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Day count since 1970-01-01 of a civil date. */
export function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fraction7(ticks: number): string {
  // ticks: 0..9_999_999 → ".fffffff" without trailing zeros, or "".
  if (ticks === 0) return "";
  let s = String(ticks).padStart(7, "0");
  let end = 7;
  while (s.charCodeAt(end - 1) === 48) end--;
  s = s.slice(0, end);
  return `.${s}`;
}

function formatTicksAsLocalTime(ticks: bigint): string {
  const days = Number(ticks / TICKS_PER_DAY);
  const rest = Number(ticks % TICKS_PER_DAY);
  const [y, mo, d] = civilFromDays(days - EPOCH_DAYS);
  const secs = Math.floor(rest / 10_000_000);
  const h = Math.floor(secs / 3600);
  const mi = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return `${String(y).padStart(4, "0")}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}${fraction7(rest % 10_000_000)}`;
}

/** Offset of the local time zone at a UTC instant, in minutes east of UTC. */
export function localOffsetMinutes(utcTicks: bigint): number {
  const ms = Number((utcTicks - BigInt(EPOCH_DAYS) * TICKS_PER_DAY) / 10_000n);
  const off = new Date(ms).getTimezoneOffset();
  return Number.isNaN(off) ? 0 : -off;
}

/**
 * A DateTime as .NET's XmlConvert (RoundtripKind) renders it:
 * yyyy-MM-ddTHH:mm:ss[.fffffff] plus "Z" (UTC) or the local offset. The
 * time is always written: MC-NBFX §2.2.3.12 says a midnight date drops it,
 * but its own §3 example ("2006-05-17T00:00:00") and .NET keep it.
 * For kind "local", `ticks` holds UTC ticks, as .NET's DateTime.ToBinary
 * stores them; they are shown in this machine's zone.
 */
export function formatDateTime(dt: XmlDateTime): string {
  if (dt.kind === "utc") return `${formatTicksAsLocalTime(dt.ticks)}Z`;
  if (dt.kind === "unspecified") return formatTicksAsLocalTime(dt.ticks);
  const off = localOffsetMinutes(dt.ticks);
  let local = dt.ticks + BigInt(off) * 600_000_000n;
  if (local < 0n) local = 0n;
  if (local > MAX_DATETIME_TICKS) local = MAX_DATETIME_TICKS;
  const a = Math.abs(off);
  return `${formatTicksAsLocalTime(local)}${off < 0 ? "-" : "+"}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

/**
 * A TimeSpan as xs:duration, as .NET's XmlConvert.ToString(TimeSpan) does
 * ("PT5M44S", "-P1DT2H", "PT0S"). MC-NBFX §2.2.3.23 describes a
 * "DDDDDDDD.HH:mm:ss" form, but its §3 examples and .NET use xs:duration.
 */
export function formatTimeSpan(ticks: bigint): string {
  const neg = ticks < 0n;
  const t = neg ? -ticks : ticks;
  const days = t / TICKS_PER_DAY;
  let rest = t % TICKS_PER_DAY;
  const hours = rest / 36_000_000_000n;
  rest %= 36_000_000_000n;
  const minutes = rest / 600_000_000n;
  rest %= 600_000_000n;
  const seconds = rest / TICKS_PER_SECOND;
  const frac = Number(rest % TICKS_PER_SECOND);
  let s = neg ? "-P" : "P";
  if (days !== 0n) s += `${days}D`;
  if (hours !== 0n || minutes !== 0n || seconds !== 0n || frac !== 0) {
    s += "T";
    if (hours !== 0n) s += `${hours}H`;
    if (minutes !== 0n) s += `${minutes}M`;
    if (seconds !== 0n || frac !== 0) s += `${seconds}${fraction7(frac)}S`;
  }
  if (s.endsWith("P")) s += "T0S";
  return s;
}

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The characters a typed value stands for (MC-NBFX §2.2.3). */
export function valueToString(v: XmlValue): string {
  switch (v.type) {
    case "string":
      return v.value;
    case "dictionary":
      return v.value.value;
    case "int32":
      return String(v.value);
    case "int64":
    case "uint64":
      return v.value.toString();
    case "bool":
      return v.value ? "true" : "false";
    case "float":
      return formatFloat(v.value);
    case "double":
      return formatDouble(v.value);
    case "decimal":
      return formatDecimal(v.value);
    case "datetime":
      return formatDateTime(v.value);
    case "timespan":
      return formatTimeSpan(v.value);
    case "guid":
      return v.value;
    case "uniqueid":
      return `urn:uuid:${v.value}`;
    case "base64":
      return toBase64(v.value);
    case "qname":
      return v.prefix === "" ? v.localName.value : `${v.prefix}:${v.localName.value}`;
    case "list": {
      const parts: string[] = [];
      for (const item of v.items) parts.push(valueToString(item));
      return parts.join(" ");
    }
  }
}
