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
export {
  type BinaryToTextOptions,
  binaryToText,
  type CopyOptions,
  copyNodes,
  type TextToBinaryOptions,
  textToBinary,
} from "./bridge.js";
export { dictionaryString, NBFS_DICTIONARY, StaticDictionary } from "./dictionary.js";
export { dumpRecords } from "./dump.js";
export { NbfsError, type NbfsErrorCode, NbfsQuotaError, type QuotaName } from "./errors.js";
export {
  formatDateTime,
  formatDecimal,
  formatDouble,
  formatFloat,
  formatTimeSpan,
  guidFromBytes,
  guidToBytes,
  isGuidString,
  valueToString,
} from "./format.js";
export {
  decodeMultiByteInt31,
  encodeMultiByteInt31,
  multiByteInt31Length,
} from "./multibyte.js";
export { DEFAULT_QUOTAS, MAX_QUOTAS, type ReaderQuotas, resolveQuotas } from "./quotas.js";
export { BinaryXmlReader, XML_NAMESPACE, XMLNS_NAMESPACE } from "./reader.js";
export { isDefinedRecord, Rec, recordName } from "./records.js";
export { SessionDictionary, utf8ByteLength } from "./session.js";
export { decodeStringTable, encodeStringTable, readStringTable } from "./stringtable.js";
export { TextXmlReader, type TextReaderOptions } from "./text-reader.js";
export { escapeXml, TextXmlWriter } from "./text-writer.js";
export { BinaryXmlWriter } from "./writer.js";
