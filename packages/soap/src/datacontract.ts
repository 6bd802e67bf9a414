import type { DictionaryString, XmlName } from "@prch/nbfs";
import { NS } from "./constants.js";
import { sessionString } from "./dictionary.js";
import { guardNbfs, SoapError } from "./errors.js";
import {
  formatDuration,
  normalizeGuid,
  valueToBool,
  valueToGuid,
  valueToInt32,
  valueToInt64,
  valueToString,
  valueToTimeSpan,
  valueToUInt16,
  valueToUInt32,
  valueToUInt64,
} from "./values.js";
import { childPath, type XmlIn, type XmlOut } from "./xmlio.js";

/**
 * Limits applied while reading a DataContract graph. `maxItems` plays the
 * part of WCF's MaxItemsInObjectGraph (default 65536): every object,
 * member and collection item read counts against it.
 */
export interface DcReadOptions {
  maxItems?: number;
}

/** Mutable state of one read. */
export interface DcReadContext {
  itemsLeft: number;
}

/** Creates the read state for one graph. */
export function readContext(options?: DcReadOptions): DcReadContext {
  return { itemsLeft: options?.maxItems ?? 65536 };
}

function spend(ctx: DcReadContext, path: string): void {
  if (--ctx.itemsLeft < 0) {
    throw new SoapError("quota-exceeded", "maxItems (MaxItemsInObjectGraph) exceeded", { path });
  }
}

/**
 * How one .NET type is serialized by DataContractSerializer: a schema
 * object, not a class. `writeContent` writes what goes *inside* the
 * element that holds the value (the caller has started it);
 * `readContent` is called with the reader on that element's start tag
 * (known not to be nil) and leaves the reader after its end tag.
 */
export interface DataContract<T> {
  readonly kind: "primitive" | "enum" | "class" | "collection" | "xml";
  /** Stable name of the type (xs:complexType / xs:simpleType name). */
  readonly name: string;
  /** Stable namespace of the type. */
  readonly ns: string;
  /** Whether the .NET type is a reference type, i.e. may be written as `i:nil="true"`. */
  readonly nillable: boolean;
  writeContent(out: XmlOut, value: T): void;
  readContent(inp: XmlIn, path: string, ctx: DcReadContext): T;
}

// ---------------------------------------------------------------------------
// Primitives. Typed writers follow XmlWriterDelegator: int/long/uint/ushort go
// through WriteValue (the binary writer picks the smallest integer record),
// bool through WriteValue(bool), while ulong, Guid and TimeSpan are written
// as raw text (checked against Mono's reference-source DataContractSerializer:
// 14800704070183415334 travels as Chars8Text, not UInt64Text).
// ---------------------------------------------------------------------------

function primitive<T>(
  name: string,
  nillable: boolean,
  write: (out: XmlOut, v: T) => void,
  read: (inp: XmlIn) => T,
): DataContract<T> {
  return Object.freeze({
    kind: "primitive" as const,
    name,
    ns: "http://www.w3.org/2001/XMLSchema",
    nillable,
    writeContent: write,
    readContent: (inp: XmlIn, path: string) => {
      try {
        return read(inp);
      } catch (e) {
        if (e instanceof SoapError && e.path === undefined) {
          throw new SoapError(e.code, e.message, { path, cause: e });
        }
        throw e;
      }
    },
  });
}

/** xs:string (nullable). */
export const dcString: DataContract<string | null> = primitive<string | null>(
  "string",
  true,
  (out, v) => {
    if (v !== null) out.writer.writeString(v);
  },
  (inp) => valueToString(inp.value()),
);

/** xs:anyURI (System.Uri, nullable). */
export const dcAnyUri: DataContract<string | null> = primitive<string | null>(
  "anyURI",
  true,
  (out, v) => {
    if (v !== null) out.writer.writeString(v);
  },
  (inp) => valueToString(inp.value()).trim(),
);

function checkInt(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SoapError("invalid-argument", `${v} is not a valid ${what}`);
  }
  return v;
}

/** xs:int. */
export const dcInt32: DataContract<number> = primitive<number>(
  "int",
  false,
  (out, v) => out.writer.writeInt32(checkInt(v, -0x80000000, 0x7fffffff, "xs:int")),
  (inp) => valueToInt32(inp.value()),
);

/** xs:unsignedInt (written through WriteValue(long), as .NET does). */
export const dcUInt32: DataContract<number> = primitive<number>(
  "unsignedInt",
  false,
  (out, v) => out.writer.writeInt64(BigInt(checkInt(v, 0, 0xffffffff, "xs:unsignedInt"))),
  (inp) => valueToUInt32(inp.value()),
);

/** xs:unsignedShort (written through WriteValue(int)). */
export const dcUInt16: DataContract<number> = primitive<number>(
  "unsignedShort",
  false,
  (out, v) => out.writer.writeInt32(checkInt(v, 0, 0xffff, "xs:unsignedShort")),
  (inp) => valueToUInt16(inp.value()),
);

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** xs:long as bigint. */
export const dcInt64: DataContract<bigint> = primitive<bigint>(
  "long",
  false,
  (out, v) => {
    if (v < INT64_MIN || v > INT64_MAX) {
      throw new SoapError("invalid-argument", `${v} is not a valid xs:long`);
    }
    out.writer.writeInt64(v);
  },
  (inp) => valueToInt64(inp.value()),
);

/** xs:unsignedLong as bigint (raw text on the wire, see above). */
export const dcUInt64: DataContract<bigint> = primitive<bigint>(
  "unsignedLong",
  false,
  (out, v) => {
    if (v < 0n || v > UINT64_MAX) {
      throw new SoapError("invalid-argument", `${v} is not a valid xs:unsignedLong`);
    }
    out.writer.writeString(v.toString());
  },
  (inp) => valueToUInt64(inp.value()),
);

/** xs:boolean. */
export const dcBool: DataContract<boolean> = primitive<boolean>(
  "boolean",
  false,
  (out, v) => out.writer.writeBool(v),
  (inp) => valueToBool(inp.value()),
);

/** ser:guid as a lowercase string. */
export const dcGuid: DataContract<string> = primitive<string>(
  "guid",
  false,
  (out, v) => out.writer.writeString(normalizeGuid(v)),
  (inp) => valueToGuid(inp.value()),
);

/** ser:duration as TimeSpan ticks (100 ns). */
export const dcDuration: DataContract<bigint> = primitive<bigint>(
  "duration",
  false,
  (out, v) => {
    if (v < INT64_MIN || v > INT64_MAX) {
      throw new SoapError("invalid-argument", `${v} ticks is not a valid TimeSpan`);
    }
    out.writer.writeString(formatDuration(v));
  },
  (inp) => valueToTimeSpan(inp.value()),
);

// ---------------------------------------------------------------------------
// Enums: written as the member name (DataContractSerializer's default).
// ---------------------------------------------------------------------------

/**
 * An enum contract. `values` maps each member name to its .NET numeric
 * value (kept for documentation and for callers that need the number).
 */
export function dcEnum<N extends string>(
  name: string,
  ns: string,
  values: Readonly<Record<N, number>>,
): DataContract<N> & { readonly values: Readonly<Record<N, number>> } {
  const names = new Set<string>(Object.keys(values));
  return Object.freeze({
    kind: "enum" as const,
    name,
    ns,
    nillable: false,
    values,
    writeContent(out: XmlOut, v: N) {
      if (!names.has(v)) throw new SoapError("invalid-argument", `${v} is not a member of ${name}`);
      out.writer.writeString(v);
    },
    readContent(inp: XmlIn, path: string): N {
      const s = valueToString(inp.value()).trim();
      if (!names.has(s)) {
        throw new SoapError(
          "invalid-value",
          `${JSON.stringify(s.slice(0, 40))} is not a member of ${name}`,
          {
            path,
          },
        );
      }
      return s as N;
    },
  });
}

// ---------------------------------------------------------------------------
// Classes.
// ---------------------------------------------------------------------------

/** One `[DataMember]`. */
export interface MemberDef<T> {
  /** Element name. */
  readonly name: string;
  readonly type: DataContract<T>;
  /** `[DataMember(Order = n)]`; members without an order come first. */
  readonly order?: number;
  /** `[DataMember(IsRequired = true)]`: reading fails when the element is missing. */
  readonly required?: boolean;
  /** `[DataMember(EmitDefaultValue = false)]`: null values are left out instead of written as nil. */
  readonly emitDefaultValue?: boolean;
  /** Value when the element is absent (defaults to null for nillable types). */
  readonly defaultValue?: T;
}

/** Shorthand for a member definition. */
export function member<T>(
  name: string,
  type: DataContract<T>,
  options: Omit<MemberDef<T>, "name" | "type"> = {},
): MemberDef<T> {
  return { name, type, ...options };
}

interface CompiledMember {
  readonly prop: string;
  readonly name: string;
  readonly xname: DictionaryString;
  readonly def: MemberDef<unknown>;
  /** Namespace DataContractSerializer declares on the member element (GetChildNamespaceToDeclare). */
  readonly childNs: DictionaryString | undefined;
}

/** Ordinal comparison, as String.CompareOrdinal (UTF-16 code units). */
function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Namespace a member element of a container in `containerNs` declares for `type`. */
function childNamespace(
  type: DataContract<unknown>,
  containerNs: string,
): DictionaryString | undefined {
  if (
    (type.kind === "class" || type.kind === "collection") &&
    type.ns !== "" &&
    type.ns !== containerNs
  ) {
    return sessionString(type.ns);
  }
  return undefined;
}

/** The member order DataContractSerializer uses: unordered first, then by Order; ties by ordinal name. */
export function sortMembers<T extends { name: string; order?: number }>(
  members: readonly T[],
): T[] {
  return [...members].sort((x, y) => {
    const ox = x.order ?? -1;
    const oy = y.order ?? -1;
    return ox !== oy ? ox - oy : ordinal(x.name, y.name);
  });
}

/** A `[DataContract]` class contract; the JavaScript object's keys map to members. */
export interface ClassContract<T> extends DataContract<T> {
  readonly kind: "class";
  /** Member element names in wire order. */
  readonly memberOrder: readonly string[];
}

/**
 * Declares a `[DataContract]` class. Members are written in
 * DataContractSerializer order; reading accepts them in that order,
 * skips unknown elements (as DataContractSerializer does for types
 * without IExtensibleDataObject) and fails on missing required members.
 */
export function dcClass<T extends object>(def: {
  readonly name: string;
  readonly ns: string;
  readonly members: { readonly [K in keyof T]-?: MemberDef<T[K]> };
}): ClassContract<T> {
  const members: CompiledMember[] = sortMembers(
    Object.entries(def.members as Record<string, MemberDef<unknown>>).map(([prop, m]) => ({
      prop,
      name: m.name,
      order: m.order,
      xname: sessionString(m.name),
      def: m,
      childNs: childNamespace(m.type, def.ns),
    })),
  );
  const nsName = sessionString(def.ns);
  return Object.freeze({
    kind: "class" as const,
    name: def.name,
    ns: def.ns,
    nillable: true,
    memberOrder: members.map((m) => m.name),
    writeContent(out: XmlOut, value: T) {
      const obj = value as Record<string, unknown>;
      for (const m of members) {
        writeMember(out, m.xname, nsName, m.def, m.childNs, obj[m.prop]);
      }
    },
    readContent(inp: XmlIn, path: string, ctx: DcReadContext): T {
      spend(ctx, path);
      const out: Record<string, unknown> = {};
      const seen = new Array<boolean>(members.length).fill(false);
      let next = 0;
      if (inp.enter()) {
        const r = inp.reader;
        while (inp.nextChild(path)) {
          let found = -1;
          if (r.namespaceUri === def.ns) {
            for (let i = next; i < members.length; i++) {
              if (members[i]!.name === r.localName) {
                found = i;
                break;
              }
            }
          }
          if (found < 0) {
            inp.skip();
            continue;
          }
          const m = members[found]!;
          out[m.prop] = readMember(inp, childPath(path, m.name), m.def, ctx);
          seen[found] = true;
          next = found + 1;
        }
      }
      for (let i = 0; i < members.length; i++) {
        if (seen[i]) continue;
        const m = members[i]!;
        if (m.def.required) {
          throw new SoapError("missing-element", `required member ${m.name} is missing`, {
            path: childPath(path, m.name),
          });
        }
        out[m.prop] =
          m.def.defaultValue !== undefined
            ? m.def.defaultValue
            : m.def.type.nillable
              ? null
              : undefined;
        if (out[m.prop] === undefined) {
          throw new SoapError("missing-element", `member ${m.name} is missing and has no default`, {
            path: childPath(path, m.name),
          });
        }
      }
      return out as T;
    },
  });
}

/** Writes one member element (or nothing / nil for null). */
export function writeMember<T>(
  out: XmlOut,
  xname: XmlName,
  ns: XmlName,
  def: MemberDef<T>,
  childNs: DictionaryString | undefined,
  value: T | null | undefined,
): void {
  if (value === null || value === undefined) {
    if (def.emitDefaultValue === false) return;
    if (!def.type.nillable) {
      throw new SoapError("invalid-argument", `member ${def.name} cannot be null`);
    }
    out.startElement(xname, ns);
    out.nil();
    out.endElement();
    return;
  }
  out.startElement(xname, ns);
  if (childNs !== undefined) out.declareNamespace(childNs);
  def.type.writeContent(out, value);
  out.endElement();
}

/** Reads one member element the reader is on, honouring `i:nil`. */
export function readMember<T>(
  inp: XmlIn,
  path: string,
  def: MemberDef<T>,
  ctx: DcReadContext,
): T | null {
  spend(ctx, path);
  if (inp.isNil()) {
    if (!def.type.nillable) {
      throw new SoapError("nil-not-allowed", `${def.name} (${def.type.name}) cannot be nil`, {
        path,
      });
    }
    inp.skip();
    return null;
  }
  return def.type.readContent(inp, path, ctx);
}

// ---------------------------------------------------------------------------
// Collections.
// ---------------------------------------------------------------------------

/**
 * A `[CollectionDataContract]` / array contract. Items are never null here:
 * Peer Channel and its resolver have no use for nil items, so reading one
 * fails with `nil-not-allowed` instead of handing callers `(T | null)[]`.
 */
export interface CollectionContract<T> extends DataContract<readonly T[]> {
  readonly kind: "collection";
  readonly itemName: string;
  readonly itemType: DataContract<T>;
}

/**
 * Declares a collection: `<Wrapper><itemName>…</itemName>…</Wrapper>` with
 * items in the collection's namespace. `maxLength` bounds the item count
 * on reading (WCF's MaxArrayLength default, 16384).
 */
export function dcCollection<T>(def: {
  readonly name: string;
  readonly ns: string;
  readonly itemName: string;
  readonly itemType: DataContract<T>;
  readonly maxLength?: number;
}): CollectionContract<T> {
  const itemX = sessionString(def.itemName);
  const nsX = sessionString(def.ns);
  // Items are written like members without nil: a null item is a caller error.
  const itemDef: MemberDef<T> = { name: def.itemName, type: { ...def.itemType, nillable: false } };
  const childNs = childNamespace(def.itemType as DataContract<unknown>, def.ns);
  const maxLength = def.maxLength ?? 16384;
  return Object.freeze({
    kind: "collection" as const,
    name: def.name,
    ns: def.ns,
    nillable: true,
    itemName: def.itemName,
    itemType: def.itemType,
    writeContent(out: XmlOut, items: readonly T[]) {
      for (const item of items) writeMember(out, itemX, nsX, itemDef, childNs, item);
    },
    readContent(inp: XmlIn, path: string, ctx: DcReadContext): readonly T[] {
      spend(ctx, path);
      const items: T[] = [];
      if (!inp.enter()) return items;
      const r = inp.reader;
      while (inp.nextChild(path)) {
        if (r.localName !== def.itemName || r.namespaceUri !== def.ns) {
          throw new SoapError(
            r.localName === def.itemName ? "wrong-namespace" : "unexpected-element",
            `expected ${def.itemName} in ${def.ns}, found ${r.localName} in ${r.namespaceUri}`,
            { path: childPath(path, r.localName) },
          );
        }
        if (items.length >= maxLength) {
          throw new SoapError("quota-exceeded", `more than ${maxLength} items in ${def.name}`, {
            path,
          });
        }
        items.push(readMember(inp, childPath(path, def.itemName), itemDef, ctx) as T);
      }
      return items;
    },
  });
}

// ---------------------------------------------------------------------------
// Roots.
// ---------------------------------------------------------------------------

const XSI = sessionString(NS.xsi);

/**
 * Writes a value as DataContractSerializer.WriteObject does with an explicit
 * root name: `<rootName xmlns="rootNs" xmlns:i="…XMLSchema-instance">`
 * (MC-PRCH §4.1.3 shows exactly this on the Connect body).
 */
export function writeRoot<T>(
  out: XmlOut,
  type: DataContract<T>,
  rootName: XmlName,
  rootNs: XmlName,
  value: T | null,
): void {
  out.startElement(rootName, rootNs);
  if (type.kind !== "primitive") out.xmlns("i", XSI);
  if (value === null) {
    if (!type.nillable) throw new SoapError("invalid-argument", `${type.name} cannot be null`);
    out.nil();
  } else {
    type.writeContent(out, value);
  }
  out.endElement();
}

/**
 * Reads a root element `rootName` in `rootNs` (the reader must be on it or
 * before it, with only whitespace in between).
 */
export function readRoot<T>(
  inp: XmlIn,
  type: DataContract<T>,
  rootName: string,
  rootNs: string,
  options?: DcReadOptions & { path?: string; nillable?: boolean },
): T | null {
  return guardNbfs(() => readRootUnguarded(inp, type, rootName, rootNs, options));
}

function readRootUnguarded<T>(
  inp: XmlIn,
  type: DataContract<T>,
  rootName: string,
  rootNs: string,
  options?: DcReadOptions & { path?: string; nillable?: boolean },
): T | null {
  const path = options?.path ?? "";
  inp.expectStart(rootName, rootNs, path);
  const ctx = readContext(options);
  const p = childPath(path, rootName);
  if (inp.isNil()) {
    if (options?.nillable === false || !type.nillable) {
      throw new SoapError("nil-not-allowed", `${rootName} cannot be nil`, { path: p });
    }
    inp.skip();
    return null;
  }
  return type.readContent(inp, p, ctx);
}
