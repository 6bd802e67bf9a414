import {
  BinaryXmlReader,
  BinaryXmlWriter,
  SessionDictionary,
  TextXmlReader,
  TextXmlWriter,
} from "@prch/nbfs";
import {
  type DataContract,
  readRoot,
  sessionString,
  writeRoot,
  XmlIn,
  XmlOut,
} from "../src/index.js";

/** Writes `value` as root `name` in `ns` with the text writer and reads it back. */
/** Root namespace for a round trip: the type's own, as DataContractSerializer would pick. */
export function rootNs(type: DataContract<unknown>): string {
  return type.kind === "primitive" ? "urn:test" : type.ns;
}

export function viaText<T>(
  type: DataContract<T>,
  value: T | null,
  name = "Root",
  ns = rootNs(type),
): T | null {
  const w = new TextXmlWriter();
  writeRoot(new XmlOut(w), type, name, ns, value);
  w.finish();
  return readBackText(w.toString(), type, name, ns);
}

export function toText<T>(
  type: DataContract<T>,
  value: T | null,
  name = "Root",
  ns = rootNs(type),
): string {
  const w = new TextXmlWriter();
  writeRoot(new XmlOut(w), type, name, ns, value);
  w.finish();
  return w.toString();
}

export function readBackText<T>(
  xml: string,
  type: DataContract<T>,
  name = "Root",
  ns = rootNs(type),
): T | null {
  const r = new TextXmlReader(xml);
  r.read();
  return readRoot(new XmlIn(r), type, name, ns);
}

/** The same through the binary writer and reader, with session strings. */
export function viaBinary<T>(
  type: DataContract<T>,
  value: T | null,
  name = "Root",
  ns = rootNs(type),
): T | null {
  const w = new BinaryXmlWriter({ session: new SessionDictionary() });
  writeRoot(new XmlOut(w), type, sessionString(name), sessionString(ns), value);
  const bytes = w.toBytes();
  const r = new BinaryXmlReader(bytes, { session: new SessionDictionary() });
  r.read();
  return readRoot(new XmlIn(r), type, name, ns);
}
