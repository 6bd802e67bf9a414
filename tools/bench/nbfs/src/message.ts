import { type Decimal, dictionaryString as D, type XmlWriter } from "@prch/nbfs";

// Dictionary strings made once, as WCF's serializers hold theirs (XD.*).
const SOAP = D("http://www.w3.org/2003/05/soap-envelope");
const WSA = D("http://www.w3.org/2005/08/addressing");
const ENVELOPE = D("Envelope");
const HEADER = D("Header");
const BODY = D("Body");
const ACTION = D("Action");
const MESSAGE_ID = D("MessageID");
const REPLY_TO = D("ReplyTo");
const ADDRESS = D("Address");
const TO = D("To");
const MUST_UNDERSTAND = D("mustUnderstand");

/**
 * The values of an order with `items` lines, made up front so that encode
 * measures the writer, not BigInt and string building.
 */
export interface Order {
  readonly items: number;
  readonly names: readonly string[];
  readonly prices: readonly Decimal[];
}

export function makeOrder(items: number): Order {
  return {
    items,
    names: Array.from({ length: items }, (_, k) => `Widget number ${k}`),
    prices: Array.from({ length: items }, (_, k) => ({
      mantissa: 1999n + BigInt(k),
      scale: 2,
      negative: false,
    })),
  };
}

/**
 * Writes a SOAP 1.2 request as WCF would: WS-Addressing headers with
 * dictionary names (MC-NBFS), then a DataContract body whose names are plain
 * strings, with typed values (decimal, int, GUID, UniqueId).
 */
export function writeOrder(w: XmlWriter, order: Order): void {
  w.writeStartElement("s", ENVELOPE, SOAP);
  w.writeXmlnsAttribute("a", WSA);
  w.writeStartElement("s", HEADER, SOAP);
  w.writeStartElement("a", ACTION, WSA);
  w.writeAttributeString("s", MUST_UNDERSTAND, SOAP, "1");
  w.writeString("http://tempuri.org/IOrderService/SubmitOrder");
  w.writeEndElement();
  w.writeStartElement("a", MESSAGE_ID, WSA);
  w.writeUniqueId("urn:uuid:8a8e2c4e-9f1b-4b8e-a9d1-2f6c1b0e7d11");
  w.writeEndElement();
  w.writeStartElement("a", REPLY_TO, WSA);
  w.writeStartElement("a", ADDRESS, WSA);
  w.writeString("http://www.w3.org/2005/08/addressing/anonymous");
  w.writeEndElement();
  w.writeEndElement();
  w.writeStartElement("a", TO, WSA);
  w.writeAttributeString("s", MUST_UNDERSTAND, SOAP, "1");
  w.writeString("net.tcp://server.example.com:8000/orders");
  w.writeEndElement();
  w.writeEndElement();
  w.writeStartElement("s", BODY, SOAP);
  w.writeStartElement("", "SubmitOrder", "http://tempuri.org/");
  w.writeStartElement("", "order");
  w.writeXmlnsAttribute("b", "http://schemas.datacontract.org/2004/07/Shop");
  w.writeXmlnsAttribute("i", "http://www.w3.org/2001/XMLSchema-instance");
  for (let k = 0; k < order.items; k++) {
    w.writeStartElement("b", "OrderLine");
    w.writeStartElement("b", "Name");
    w.writeString(order.names[k] ?? "");
    w.writeEndElement();
    w.writeStartElement("b", "Price");
    w.writeDecimal(order.prices[k] ?? { mantissa: 0n, scale: 0, negative: false });
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
  w.finish();
}
