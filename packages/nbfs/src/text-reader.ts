import { SaxesParser, type SaxesTagNS } from "saxes";
import type { XmlAttribute, XmlNodeType, XmlReader, XmlValue } from "./api.js";
import { NbfsError, NbfsQuotaError } from "./errors.js";
import { valueToString } from "./format.js";
import { type ReaderQuotas, resolveQuotas } from "./quotas.js";

const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";
const EMPTY_ATTRS: readonly XmlAttribute[] = Object.freeze([]);
const EMPTY_STRING: XmlValue = Object.freeze({ type: "string", value: "" });

interface Node {
  type: XmlNodeType;
  depth: number;
  prefix: string;
  localName: string;
  namespaceUri: string;
  attributes: readonly XmlAttribute[];
  isEmpty: boolean;
  value: XmlValue;
  offset: number;
  /** For element starts: index of the matching end node. */
  end: number;
  /** Namespace scope in effect at this node. */
  scope: Scope | undefined;
}

interface Scope {
  readonly parent: Scope | undefined;
  readonly bindings: Readonly<Record<string, string>>;
}

/** Options of {@link TextXmlReader}. */
export interface TextReaderOptions {
  /** Limits; maxDocumentSize counts characters here. */
  readonly quotas?: Partial<ReaderQuotas>;
}

/**
 * Pull reader over XML text (parsed with saxes), with the same cursor as
 * the binary reader. Text values are always of type `string`. Offsets are
 * character offsets.
 */
export class TextXmlReader implements XmlReader {
  nodeType: XmlNodeType = "none";
  depth = 0;
  prefix = "";
  localName = "";
  namespaceUri = "";
  readonly localNameDictionary = undefined;
  attributes: readonly XmlAttribute[] = EMPTY_ATTRS;
  isEmptyElement = false;
  value: XmlValue = EMPTY_STRING;
  offset = 0;

  private readonly nodes: Node[] = [];
  private index = -1;

  constructor(text: string, options: TextReaderOptions = {}) {
    const q = resolveQuotas(options.quotas);
    if (text.length > q.maxDocumentSize)
      throw new NbfsQuotaError("maxDocumentSize", q.maxDocumentSize, 0);
    const nodes = this.nodes;
    const open: number[] = [];
    let scope: Scope | undefined;
    const scopes: (Scope | undefined)[] = [];
    const push = (n: Node): void => {
      n.scope = scope;
      nodes.push(n);
    };
    const parser = new SaxesParser({ xmlns: true, position: true });
    // A byte-order mark left at the front of decoded text is not content.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let pendingText: string[] | undefined;
    let pendingAt = 0;
    const flushText = (): void => {
      if (pendingText === undefined) return;
      const value = pendingText.length === 1 ? pendingText[0]! : pendingText.join("");
      pendingText = undefined;
      if (open.length === 0) return; // whitespace around the root
      if (value.length > q.maxStringContentLength) {
        throw new NbfsQuotaError("maxStringContentLength", q.maxStringContentLength, pendingAt);
      }
      push(
        node("text", open.length, "", "", "", EMPTY_ATTRS, { type: "string", value }, pendingAt),
      );
    };
    const addText = (t: string): void => {
      if (pendingText === undefined) {
        pendingText = [t];
        pendingAt = parser.position;
      } else pendingText.push(t);
    };
    parser.on("text", addText);
    parser.on("cdata", addText);
    parser.on("comment", (c) => {
      flushText();
      push(
        node(
          "comment",
          open.length,
          "",
          "",
          "",
          EMPTY_ATTRS,
          { type: "string", value: c },
          parser.position,
        ),
      );
    });
    parser.on("opentag", (tag: SaxesTagNS) => {
      flushText();
      if (open.length >= q.maxDepth)
        throw new NbfsQuotaError("maxDepth", q.maxDepth, parser.position);
      const attrs: XmlAttribute[] = [];
      for (const key of Object.keys(tag.attributes)) {
        const a = tag.attributes[key]!;
        const isXmlns = a.uri === XMLNS_NAMESPACE;
        if (a.value.length > q.maxStringContentLength) {
          throw new NbfsQuotaError(
            "maxStringContentLength",
            q.maxStringContentLength,
            parser.position,
          );
        }
        attrs.push({
          prefix: a.prefix,
          localName: a.local,
          namespaceUri: a.uri,
          value: { type: "string", value: a.value },
          isXmlns,
        });
      }
      if (attrs.length > q.maxAttributes)
        throw new NbfsQuotaError("maxAttributes", q.maxAttributes, parser.position);
      scopes.push(scope);
      if (Object.keys(tag.ns).length > 0) scope = { parent: scope, bindings: tag.ns };
      const n = node(
        "element",
        open.length + 1,
        tag.prefix,
        tag.local,
        tag.uri,
        attrs.length === 0 ? EMPTY_ATTRS : attrs,
        EMPTY_STRING,
        parser.position,
      );
      n.isEmpty = tag.isSelfClosing;
      open.push(nodes.length);
      push(n);
    });
    parser.on("closetag", (tag: SaxesTagNS) => {
      flushText();
      const startIndex = open.pop()!;
      nodes[startIndex]!.end = nodes.length;
      // The end tag still sees the element's own declarations.
      push(
        node(
          "endElement",
          open.length + 1,
          tag.prefix,
          tag.local,
          tag.uri,
          EMPTY_ATTRS,
          EMPTY_STRING,
          parser.position,
        ),
      );
      scope = scopes.pop();
    });
    try {
      parser.write(text).close();
    } catch (e) {
      if (e instanceof NbfsError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new NbfsError("invalid-xml", msg, parser.position);
    }
  }

  read(): boolean {
    if (this.index >= this.nodes.length) return false;
    this.index++;
    const n = this.nodes[this.index];
    if (n === undefined) {
      this.nodeType = "eof";
      this.prefix = "";
      this.localName = "";
      this.namespaceUri = "";
      this.attributes = EMPTY_ATTRS;
      this.isEmptyElement = false;
      this.value = EMPTY_STRING;
      this.depth = 0;
      return false;
    }
    this.nodeType = n.type;
    this.depth = n.depth;
    this.prefix = n.prefix;
    this.localName = n.localName;
    this.namespaceUri = n.namespaceUri;
    this.attributes = n.attributes;
    this.isEmptyElement = n.isEmpty;
    this.value = n.value;
    this.offset = n.offset;
    return true;
  }

  lookupNamespace(prefix: string): string | undefined {
    if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
    if (prefix === "xmlns") return XMLNS_NAMESPACE;
    for (let sc = this.nodes[this.index]?.scope; sc !== undefined; sc = sc.parent) {
      const ns = sc.bindings[prefix];
      if (ns !== undefined) return ns;
    }
    return prefix === "" ? "" : undefined;
  }

  getAttribute(localName: string, namespaceUri = ""): XmlAttribute | undefined {
    for (const a of this.attributes) {
      if (!a.isXmlns && a.localName === localName && a.namespaceUri === namespaceUri) return a;
    }
    return undefined;
  }

  skip(): void {
    const n = this.nodes[this.index];
    if (n !== undefined && n.type === "element") this.index = n.end;
    this.read();
  }

  moveToContent(): XmlNodeType {
    if (this.nodeType === "none") this.read();
    for (;;) {
      const t = this.cur();
      if (t === "comment" || (t === "text" && /^[ \t\r\n]*$/.test(valueToString(this.value)))) {
        this.read();
        continue;
      }
      return t;
    }
  }

  readElementContentAsString(): string {
    return valueToString(this.readElementContentAsValue());
  }

  readElementContentAsValue(): XmlValue {
    if (this.nodeType !== "element") {
      throw new NbfsError("invalid-state", "not positioned on an element", this.offset);
    }
    const target = this.depth;
    const parts: string[] = [];
    while (this.read()) {
      const t = this.cur();
      if (t === "text") parts.push(valueToString(this.value));
      else if (t === "endElement" && this.depth === target) {
        this.read();
        return { type: "string", value: parts.join("") };
      } else if (t === "element") {
        throw new NbfsError("invalid-state", "element content is not simple text", this.offset);
      }
    }
    throw new NbfsError("unbalanced", "document ends inside an element", this.offset);
  }

  private cur(): XmlNodeType {
    return this.nodeType;
  }
}

function node(
  type: XmlNodeType,
  depth: number,
  prefix: string,
  localName: string,
  namespaceUri: string,
  attributes: readonly XmlAttribute[],
  value: XmlValue,
  offset: number,
): Node {
  return {
    type,
    depth,
    prefix,
    localName,
    namespaceUri,
    attributes,
    isEmpty: false,
    value,
    offset,
    end: -1,
    scope: undefined,
  };
}
