// Test-only access to internals that are not part of the public API.
export { readElementNode, type XmlElementNode } from "../src/infoset.js";
export { valueToString as valueToStringForTests } from "../src/values.js";
export { XmlIn } from "../src/xmlio.js";
