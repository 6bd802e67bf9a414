// @prch/nbfs public API: everything exported here and nowhere else.
export type {
  ArrayValueType,
  BinaryReaderOptions,
  BinaryWriterOptions,
  BinaryXmlWriterApi,
  DateTimeKind,
  Decimal,
  DictionaryString,
  StringDictionary,
  TextXmlWriterApi,
  XmlArray,
  XmlAttribute,
  XmlDateTime,
  XmlName,
  XmlNodeType,
  XmlReader,
  XmlValue,
  XmlWriter,
} from "./api.js";
export { NbfsError, type NbfsErrorCode, NbfsQuotaError, type QuotaName } from "./errors.js";
export { DEFAULT_QUOTAS, MAX_QUOTAS, type ReaderQuotas, resolveQuotas } from "./quotas.js";
export { SessionDictionary, utf8ByteLength } from "./session.js";
