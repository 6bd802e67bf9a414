// Quick local throughput check (the real benchmark lives in tools/bench).
// Usage: pnpm exec tsup && node scripts/quick-bench.mjs
import { SaxesParser } from "saxes";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  dictionaryString as D,
  TextXmlWriter,
} from "../dist/index.js";

const SOAP = "http://www.w3.org/2003/05/soap-envelope";
const WSA = "http://www.w3.org/2005/08/addressing";

// Values are made up front so that encode measures the writer, not BigInt and string building.
const NAMES = Array.from({ length: 1000 }, (_, k) => `Widget number ${k}`);
const PRICES = Array.from({ length: 1000 }, (_, k) => ({
  mantissa: 1999n + BigInt(k),
  scale: 2,
  negative: false,
}));

function write(w, items) {
  w.writeStartElement("s", D("Envelope"), D(SOAP));
  w.writeXmlnsAttribute("a", D(WSA));
  w.writeStartElement("s", D("Header"), D(SOAP));
  w.writeStartElement("a", D("Action"), D(WSA));
  w.writeAttributeString("s", D("mustUnderstand"), D(SOAP), "1");
  w.writeString("http://tempuri.org/IService/SubmitOrder");
  w.writeEndElement();
  w.writeStartElement("a", D("MessageID"), D(WSA));
  w.writeUniqueId("urn:uuid:8a8e2c4e-9f1b-4b8e-a9d1-2f6c1b0e7d11");
  w.writeEndElement();
  w.writeStartElement("a", D("ReplyTo"), D(WSA));
  w.writeStartElement("a", D("Address"), D(WSA));
  w.writeString("http://www.w3.org/2005/08/addressing/anonymous");
  w.writeEndElement();
  w.writeEndElement();
  w.writeStartElement("a", D("To"), D(WSA));
  w.writeAttributeString("s", D("mustUnderstand"), D(SOAP), "1");
  w.writeString("net.tcp://server.example.com:8000/orders");
  w.writeEndElement();
  w.writeEndElement();
  w.writeStartElement("s", D("Body"), D(SOAP));
  w.writeStartElement("", "SubmitOrder", "http://tempuri.org/");
  w.writeStartElement("", "order");
  w.writeXmlnsAttribute("b", "http://schemas.datacontract.org/2004/07/Shop");
  w.writeXmlnsAttribute("i", "http://www.w3.org/2001/XMLSchema-instance");
  for (let k = 0; k < items; k++) {
    w.writeStartElement("b", "Item");
    w.writeStartElement("b", "Name");
    w.writeString(NAMES[k]);
    w.writeEndElement();
    w.writeStartElement("b", "Price");
    w.writeDecimal(PRICES[k]);
    w.writeEndElement();
    w.writeStartElement("b", "Quantity");
    w.writeInt32(k * 3);
    w.writeEndElement();
    w.writeStartElement("b", "Sku");
    w.writeGuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    w.writeEndElement();
    w.writeEndElement();
  }
  w.writeEndElement();
  w.writeEndElement();
  w.writeEndElement();
  w.writeEndElement();
}

// The machine is shared and its load swings, so the contenders run in
// alternating short slices and each keeps its best slice.
function race(fns, slices = 30, ms = 60) {
  for (const f of fns) for (let i = 0; i < 200; i++) f();
  const best = fns.map(() => 0);
  for (let s = 0; s < slices; s++) {
    fns.forEach((f, k) => {
      // CPU time of this process, not wall time: other tenants' load
      // stretches wall time far more than it does our own CPU time.
      let n = 0;
      const c0 = process.cpuUsage();
      let t;
      do {
        for (let i = 0; i < 10; i++) f();
        n += 10;
        const c = process.cpuUsage(c0);
        t = (c.user + c.system) / 1000;
      } while (t < ms);
      best[k] = Math.max(best[k], n / (t / 1000));
    });
  }
  return best;
}

const quotas = { maxDocumentSize: 1 << 24, maxBytesPerRead: 1 << 24 };
for (const items of [6, 550]) {
  const bw = new BinaryXmlWriter();
  write(bw, items);
  const bytes = bw.toBytes();
  const tw = new TextXmlWriter();
  write(tw, items);
  const text = tw.toString();
  const [decode, decodeValues, encode, sax] = race([
    () => {
      const r = new BinaryXmlReader(bytes, { quotas });
      while (r.read()) {}
    },
    () => {
      // Also build every text value (strings, BigInts, GUID text).
      const r = new BinaryXmlReader(bytes, { quotas });
      while (r.read()) if (r.nodeType === "text") r.value;
    },
    () => {
      const w = new BinaryXmlWriter();
      write(w, items);
      w.toBytes();
    },
    () => {
      const p = new SaxesParser({ xmlns: true });
      p.on("opentag", () => {});
      p.on("text", () => {});
      p.write(text).close();
    },
  ]);
  console.log(
    `binary ${bytes.length} B (text ${text.length} B): decode ${decode.toFixed(0)}/s ` +
      `(${((decode * bytes.length) / 1e6).toFixed(1)} MB/s), with values ${decodeValues.toFixed(0)}/s, ` +
      `encode ${encode.toFixed(0)}/s, ` +
      `saxes on text ${sax.toFixed(0)}/s; decode/saxes ${(decode / sax).toFixed(2)}x`,
  );
}
