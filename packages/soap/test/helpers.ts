import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TextXmlReader } from "@prch/nbfs";
import { readElementNode, valueToStringForTests, XmlIn, type XmlElementNode } from "./deps.js";

const here = dirname(fileURLToPath(import.meta.url));

export function vector(name: string): string {
  return readFileSync(join(here, "vectors", name), "utf8");
}

export function hexVector(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(vector(name).trim(), "hex"));
}

/** A prefix-free, declaration-free, whitespace-insensitive view of an XML document. */
export interface Canon {
  name: string;
  attrs: Record<string, string>;
  children: (Canon | string)[];
}

function canonNode(n: XmlElementNode): Canon {
  const attrs: Record<string, string> = {};
  for (const a of n.attributes)
    attrs[`{${a.namespaceUri}}${a.localName}`] = valueToStringForTests(a.value);
  const children: (Canon | string)[] = [];
  let text = "";
  for (const c of n.children) {
    if ("children" in c) {
      if (text.trim() !== "") children.push(text);
      text = "";
      children.push(canonNode(c));
    } else text += valueToStringForTests(c);
  }
  if (text.trim() !== "") children.push(text);
  return { name: `{${n.namespaceUri}}${n.localName}`, attrs, children };
}

/** Canonical form of an XML text document. */
export function canonical(xml: string): Canon {
  const r = new TextXmlReader(xml, { quotas: { maxDocumentSize: 1 << 24 } });
  r.read();
  const inp = new XmlIn(r);
  inp.content();
  return canonNode(readElementNode(inp, { nodes: 1 << 20 }));
}
