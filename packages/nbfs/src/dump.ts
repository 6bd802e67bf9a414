import type { BinaryReaderOptions, XmlValue } from "./api.js";
import { valueToString } from "./format.js";
import { BinaryXmlReader } from "./reader.js";
import { recordName } from "./records.js";

function show(v: XmlValue): string {
  const text = valueToString(v);
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return `${v.type} ${JSON.stringify(shown)}`;
}

/**
 * A listing of a binary document, one line per node: the byte offset, the
 * MC-NBFX record that carried it, and what it means. For reading captured
 * traffic and for comparing two encoders' choices of records.
 */
export function dumpRecords(bytes: Uint8Array, options: BinaryReaderOptions = {}): string {
  const r = new BinaryXmlReader(bytes, options);
  const lines: string[] = [];
  if (r.position > 0) lines.push(`${hex4(0)}  StringTable (${r.position} bytes)`);
  let lastOffset = -1;
  let lastWasText = false;
  while (r.read()) {
    const off = r.offset;
    const type = bytes[off] ?? 0;
    const fused = r.nodeType === "endElement" && lastWasText && off === lastOffset;
    const name =
      r.fromArray && !(r.nodeType === "element" && off === arrayStart(bytes, off))
        ? "(Array item)"
        : fused
          ? "(fused EndElement)"
          : (recordName(type) ?? `0x${type.toString(16)}`);
    lastOffset = off;
    lastWasText = r.nodeType === "text";
    const indent = "  ".repeat(Math.max(0, r.depth - 1));
    let what = "";
    switch (r.nodeType) {
      case "element": {
        const qn = r.prefix === "" ? r.localName : `${r.prefix}:${r.localName}`;
        const dict = r.localNameDictionary ? ` #${r.localNameDictionary.id}` : "";
        const attrs = r.attributes
          .map((a) => {
            const n = a.isXmlns
              ? a.prefix === ""
                ? "xmlns"
                : `xmlns:${a.localName}`
              : a.prefix === ""
                ? a.localName
                : `${a.prefix}:${a.localName}`;
            return ` ${n}=(${show(a.value)})`;
          })
          .join("");
        what = `<${qn}${dict}> {${r.namespaceUri}}${attrs}`;
        break;
      }
      case "endElement":
        what = `</${r.prefix === "" ? r.localName : `${r.prefix}:${r.localName}`}>`;
        break;
      case "text":
        what = show(r.value);
        break;
      case "comment":
        what = `<!--${valueToString(r.value)}-->`;
        break;
      default:
        break;
    }
    lines.push(`${hex4(off)}  ${name.padEnd(36)} ${indent}${what}`);
  }
  return lines.join("\n");
}

/** `off` if an Array record starts there (the first item reports it), else -1. */
function arrayStart(bytes: Uint8Array, off: number): number {
  return bytes[off] === 0x03 ? off : -1;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}
