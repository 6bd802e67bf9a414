// Realistic SOAP 1.2 / WCF documents for the Mono interop suite: the
// shapes WCF puts on the wire (WS-Addressing headers, DataContract bodies,
// faults, WS-Security headers, WS-RM acknowledgements, Peer Channel
// messages). Whitespace between elements is for reading only; both sides
// drop it.
const S = 'xmlns:s="http://www.w3.org/2003/05/soap-envelope"';
const A = 'xmlns:a="http://www.w3.org/2005/08/addressing"';
const ID = "urn:uuid:8f3a2b1c-4d5e-4f60-8172-93a4b5c6d7e8";

export const SOAP_CORPUS: readonly { name: string; xml: string }[] = [
  {
    name: "request with WS-Addressing headers and a DataContract body",
    xml: `<s:Envelope ${S} ${A}>
  <s:Header>
    <a:Action s:mustUnderstand="1">http://tempuri.org/IOrderService/PlaceOrder</a:Action>
    <a:MessageID>${ID}</a:MessageID>
    <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>
    <a:To s:mustUnderstand="1">net.tcp://localhost:8080/orders</a:To>
  </s:Header>
  <s:Body>
    <PlaceOrder xmlns="http://tempuri.org/">
      <order xmlns:b="http://schemas.datacontract.org/2004/07/Shop" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <b:Customer>Zoë Ångström</b:Customer>
        <b:Lines>
          <b:OrderLine><b:Quantity>1</b:Quantity><b:Sku>A-100</b:Sku><b:UnitPrice>9.95</b:UnitPrice></b:OrderLine>
          <b:OrderLine><b:Quantity>12</b:Quantity><b:Sku>B-2</b:Sku><b:UnitPrice>0</b:UnitPrice></b:OrderLine>
        </b:Lines>
        <b:Note i:nil="true"/>
        <b:Placed>2026-11-22T03:15:00.1234567Z</b:Placed>
        <b:Shipping i:type="b:ExpressShipping"><b:Carrier>DHL</b:Carrier></b:Shipping>
      </order>
    </PlaceOrder>
  </s:Body>
</s:Envelope>`,
  },
  {
    name: "reply with RelatesTo",
    xml: `<s:Envelope ${S} ${A}>
  <s:Header>
    <a:Action s:mustUnderstand="1">http://tempuri.org/IOrderService/PlaceOrderResponse</a:Action>
    <a:RelatesTo>${ID}</a:RelatesTo>
  </s:Header>
  <s:Body><PlaceOrderResponse xmlns="http://tempuri.org/"><PlaceOrderResult>42</PlaceOrderResult></PlaceOrderResponse></s:Body>
</s:Envelope>`,
  },
  {
    name: "SOAP 1.2 fault with subcode, reason and detail",
    xml: `<s:Envelope ${S} ${A}>
  <s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header>
  <s:Body>
    <s:Fault>
      <s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:a="http://www.w3.org/2005/08/addressing">a:DestinationUnreachable</s:Value></s:Subcode></s:Code>
      <s:Reason><s:Text xml:lang="en-US">The message with To 'net.tcp://x/' cannot be processed at the receiver &lt;EndpointDispatcher&gt; &amp; friends.</s:Text></s:Reason>
      <s:Detail><ErrorInfo xmlns="urn:prch:test"><Code>-17</Code></ErrorInfo></s:Detail>
    </s:Fault>
  </s:Body>
</s:Envelope>`,
  },
  {
    name: "WS-Security timestamp and WS-RM acknowledgement",
    xml: `<s:Envelope ${S} ${A} xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <s:Header>
    <r:SequenceAcknowledgement xmlns:r="http://schemas.xmlsoap.org/ws/2005/02/rm">
      <r:Identifier>urn:uuid:00000000-0000-0000-0000-000000000001</r:Identifier>
      <r:AcknowledgementRange Lower="1" Upper="17"/>
      <netrm:BufferRemaining xmlns:netrm="http://schemas.microsoft.com/ws/2006/05/rm">8</netrm:BufferRemaining>
    </r:SequenceAcknowledgement>
    <o:Security s:mustUnderstand="1" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
      <u:Timestamp u:Id="_0"><u:Created>2026-11-22T03:15:00.000Z</u:Created><u:Expires>2026-11-22T03:20:00.000Z</u:Expires></u:Timestamp>
    </o:Security>
    <a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/02/rm/SequenceAcknowledgement</a:Action>
  </s:Header>
  <s:Body/>
</s:Envelope>`,
  },
  {
    name: "Peer Channel Connect",
    xml: `<s:Envelope ${S} ${A}>
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/net/2006/05/peer/Connect</a:Action>
    <a:To s:mustUnderstand="1">net.p2p://chatmesh/</a:To>
  </s:Header>
  <s:Body>
    <Connect xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
      <Address>
        <EndpointAddress><a:Address>net.tcp://10.0.0.7:31337/PeerChannelEndpoints/0e3c7a9d</a:Address></EndpointAddress>
        <IPAddresses xmlns:b="http://schemas.datacontract.org/2004/07/System.Net"><b:IPAddress>10.0.0.7</b:IPAddress><b:IPAddress>fe80::1%4</b:IPAddress></IPAddresses>
      </Address>
      <NodeId>8246831275139871234</NodeId>
    </Connect>
  </s:Body>
</s:Envelope>`,
  },
  {
    name: "custom resolver Resolve with a long base64 payload and a comment",
    xml: `<s:Envelope ${S} ${A}>
  <s:Header><a:Action s:mustUnderstand="1">http://schemas.microsoft.com/net/2006/05/peer/resolver/Resolve</a:Action></s:Header>
  <s:Body>
    <!-- resolver request -->
    <Resolve xmlns="http://schemas.microsoft.com/net/2006/05/peer/resolver">
      <ClientId>b0f1e2d3-c4b5-a697-8879-6a5b4c3d2e1f</ClientId>
      <MaxAddresses>3</MaxAddresses>
      <MeshId>chatmesh</MeshId>
      <Blob>${"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo".repeat(30)}</Blob>
    </Resolve>
  </s:Body>
</s:Envelope>`,
  },
  {
    name: "long and non-ASCII texts across the record size boundaries",
    xml: `<root xmlns="urn:prch:text" attr="${"a".repeat(300)}">
  <short>x</short><zero>0</zero><one>1</one><empty></empty>
  <medium>${"αβγ".repeat(90)}</medium>
  <long>${"0123456789".repeat(700)}</long>
  <emoji>😀 mixed 漢字 text</emoji>
</root>`,
  },
  {
    name: "prefixes, default namespaces and attributes in and out of namespaces",
    xml: `<p:outer xmlns:p="urn:p" xmlns:q="urn:q" q:flag="on" plain="v">
  <inner xmlns="urn:default"><p:x p:y="1" z=""/><q:deep xmlns:q="urn:q2">redeclared</q:deep></inner>
  <abc:long-prefix xmlns:abc="urn:abc" abc:attr="value">t</abc:long-prefix>
</p:outer>`,
  },
];
