import type {
  BinaryReaderOptions,
  BinaryWriterOptions,
  XmlName,
  XmlReader,
  XmlWriter,
} from "./api.js";
import { BinaryXmlReader } from "./reader.js";
import { TextXmlReader, type TextReaderOptions } from "./text-reader.js";
import { TextXmlWriter } from "./text-writer.js";
import { BinaryXmlWriter } from "./writer.js";

/** Options of {@link copyNodes}. */
export interface CopyOptions {
  /** Drop text nodes made only of XML whitespace (indentation). Default false. */
  readonly ignoreWhitespace?: boolean;
  /** Drop comments. Default false. */
  readonly ignoreComments?: boolean;
}

/**
 * Copies every remaining node of `reader` to `writer`, like .NET's
 * XmlDictionaryWriter.WriteNode: names keep their dictionary form, values
 * their type, and xmlns declarations their place.
 */
export function copyNodes(reader: XmlReader, writer: XmlWriter, options: CopyOptions = {}): void {
  const ignoreWs = options.ignoreWhitespace ?? false;
  const ignoreComments = options.ignoreComments ?? false;
  while (reader.read()) {
    switch (reader.nodeType) {
      case "element": {
        const attrs = reader.attributes;
        const prefix = reader.prefix;
        // Prefixes declared by this element's own xmlns attributes: those
        // names are written without a namespace so that the declarations
        // keep their place in the output.
        let declared: string[] | undefined;
        for (const a of attrs) {
          if (!a.isXmlns) continue;
          declared ??= [];
          declared.push(a.prefix === "" ? "" : a.localName);
        }
        const local: XmlName = reader.localNameDictionary ?? reader.localName;
        writer.writeStartElement(
          prefix,
          local,
          declared?.includes(prefix) ? undefined : reader.namespaceUri,
        );
        for (const a of attrs) {
          if (a.isXmlns) {
            const v = a.value;
            const ns = v.type === "dictionary" ? v.value : v.type === "string" ? v.value : "";
            writer.writeXmlnsAttribute(a.prefix === "" ? "" : a.localName, ns);
            continue;
          }
          const inScope = a.prefix === "" || declared?.includes(a.prefix);
          writer.writeStartAttribute(
            a.prefix,
            a.localNameDictionary ?? a.localName,
            inScope ? undefined : a.namespaceUri,
          );
          writer.writeValue(a.value);
          writer.writeEndAttribute();
        }
        break;
      }
      case "endElement":
        writer.writeEndElement();
        break;
      case "text": {
        const v = reader.value;
        if (ignoreWs && v.type === "string" && isWhitespace(v.value)) break;
        writer.writeValue(v);
        break;
      }
      case "comment":
        if (!ignoreComments && reader.value.type === "string")
          writer.writeComment(reader.value.value);
        break;
      default:
        break;
    }
  }
  writer.finish();
}

function isWhitespace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** Options of {@link binaryToText}. */
export interface BinaryToTextOptions extends BinaryReaderOptions, CopyOptions {
  /** Put xmlns attributes after the other attributes (.NET order) instead of where the binary had them. */
  readonly deferNamespaceDeclarations?: boolean;
  /** Write empty elements as `<a></a>` (default true, as .NET renders binary) or `<a/>`. */
  readonly fullEndElements?: boolean;
}

/** Decodes a binary document to XML text, rendering typed values as .NET does. */
export function binaryToText(bytes: Uint8Array, options: BinaryToTextOptions = {}): string {
  const reader = new BinaryXmlReader(bytes, options);
  // Like .NET rendering a binary message (XmlBinaryReader never reports an
  // empty element), empty elements come out as <a></a> unless asked otherwise.
  const writer = new TextXmlWriter({
    deferNamespaceDeclarations: options.deferNamespaceDeclarations ?? false,
    fullEndElements: options.fullEndElements ?? true,
  });
  copyNodes(reader, writer, options);
  return writer.toString();
}

/** Options of {@link textToBinary}. */
export interface TextToBinaryOptions extends BinaryWriterOptions, CopyOptions, TextReaderOptions {}

/**
 * Encodes XML text as a binary document. Text content becomes string
 * records (ZeroText/OneText/Chars…), as .NET's WriteNode does; with
 * `lookupStrings` names and namespaces use the dictionaries.
 */
export function textToBinary(text: string, options: TextToBinaryOptions = {}): Uint8Array {
  const reader = new TextXmlReader(text, options);
  const writer = new BinaryXmlWriter({
    ...options,
    deferNamespaceDeclarations: options.deferNamespaceDeclarations ?? false,
  });
  copyNodes(reader, writer, options);
  return writer.toBytes();
}
