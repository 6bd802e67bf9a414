import { describe, expect, it } from "vitest";
import { BinaryXmlWriter, dictionaryString as D, SessionDictionary } from "../src/index.js";
import { toHex } from "./helpers.js";

describe("README examples", () => {
  it("the envelope prefix bytes are what the README shows", () => {
    const SOAP = "http://www.w3.org/2003/05/soap-envelope";
    const WSA = "http://www.w3.org/2005/08/addressing";
    const w = new BinaryXmlWriter();
    w.writeStartElement("s", D("Envelope"), D(SOAP));
    w.writeXmlnsAttribute("a", D(WSA));
    w.writeStartElement("s", D("Header"), D(SOAP));
    w.writeStartElement("a", D("Action"), D(WSA));
    w.writeAttributeString("s", D("mustUnderstand"), D(SOAP), "1");
    w.writeString("action");
    w.finish();
    expect(
      toHex(w.toBytes()).startsWith("56 02 0b 01 73 04 0b 01 61 06 56 08 44 0a 1e 00 82 99 06"),
    ).toBe(true);
  });

  it("the session example", () => {
    const sw = new BinaryXmlWriter({ session: new SessionDictionary() });
    sw.writeStartElement("", { id: -1, value: "Inventory" });
    sw.finish();
    expect(toHex(sw.toBytes())).toBe("0a 09 49 6e 76 65 6e 74 6f 72 79 42 01 01");
  });
});
