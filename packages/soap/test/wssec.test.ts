import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  canonicalize,
  createFloodHeaders,
  createSecurityHeader,
  floodSignedParts,
  Message,
  type MessageEncoder,
  outgoingFloodSignedParts,
  readSecuritySignature,
  sessionString,
  TextMessageEncoder,
} from "../src/index.js";
import { readElementNode, XmlIn } from "./deps.js";
import { TextXmlReader } from "@prch/nbfs";

function c14nOf(xml: string, path: number[] = []): string {
  const r = new TextXmlReader(xml);
  r.read();
  const inp = new XmlIn(r);
  inp.content();
  let node = readElementNode(inp, { nodes: 1000 });
  for (const i of path) node = node.children.filter((c) => "children" in c)[i] as typeof node;
  return Buffer.from(canonicalize(node)).toString("utf8");
}

describe("exclusive XML canonicalization", () => {
  it("renders only visibly utilized namespaces, sorted, at their first use", () => {
    const xml =
      '<s:Envelope xmlns:s="urn:S" xmlns:a="urn:A" xmlns:x="urn:unused"><s:Header><a:Action s:mustUnderstand="1">act</a:Action></s:Header></s:Envelope>';
    expect(c14nOf(xml, [0, 0])).toBe(
      '<a:Action xmlns:a="urn:A" xmlns:s="urn:S" s:mustUnderstand="1">act</a:Action>',
    );
    expect(c14nOf(xml, [0])).toBe(
      '<s:Header xmlns:s="urn:S"><a:Action xmlns:a="urn:A" s:mustUnderstand="1">act</a:Action></s:Header>',
    );
  });

  it("sorts attributes by namespace then name and gives empty elements end tags", () => {
    const xml = '<Body xmlns="urn:b"><x:Y xmlns:x="urn:y" b="2" x:c="3" a="1"><Z/></x:Y></Body>';
    expect(c14nOf(xml, [0])).toBe(
      '<x:Y xmlns:x="urn:y" a="1" b="2" x:c="3"><Z xmlns="urn:b"></Z></x:Y>',
    );
  });

  it("undeclares the default namespace when needed and escapes text and attributes", () => {
    expect(c14nOf('<a xmlns="urn:a"><b xmlns=""/></a>')).toBe(
      '<a xmlns="urn:a"><b xmlns=""></b></a>',
    );
    expect(c14nOf('<a t="&quot;x&quot;&#9;&#10;&lt;&amp;">a&lt;b&amp;c&gt;d&#13;</a>')).toBe(
      '<a t="&quot;x&quot;&#x9;&#xA;&lt;&amp;">a&lt;b&amp;c&gt;d&#xD;</a>',
    );
  });
});

const IDS = { messageId: "_1", peerTo: "_2", peerVia: "_3", floodMessage: "_4" };

function signedFlood(payload: string, extraHeaders: Message["headers"] = []): Message {
  return new Message({
    action: "urn:example:chat/Say",
    to: "net.p2p://chatmesh/",
    headers: [
      ...createFloodHeaders({
        messageId: "271dddd4-fa44-46e2-9b86-090c0a52326c",
        peerTo: "net.p2p://chatmesh/",
        peerVia: "net.p2p://chatmesh/",
        hops: 5n,
        ids: IDS,
      }),
      ...extraHeaders,
    ],
    bodyId: "_0",
    body: (out) => {
      out.startElement(sessionString("Say"), sessionString("urn:example:chat"));
      out.attribute("lang", undefined, (w) => w.writeString("en"));
      out.writer.writeString(payload);
      out.endElement();
    },
  });
}

const kinds: Array<() => [MessageEncoder, MessageEncoder]> = [
  () => [new TextMessageEncoder(), new TextMessageEncoder()],
  () => [new BinaryMessageEncoder({ session: true }), new BinaryMessageEncoder({ session: true })],
];

describe("flood signing support", () => {
  it("the signed parts canonicalize identically on the sender and on text and binary receivers (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (payload) => {
        const expected = outgoingFloodSignedParts(signedFlood(payload));
        for (const make of kinds) {
          const [tx, rx] = make();
          const got = floodSignedParts(rx.decode(tx.encode(signedFlood(payload))));
          for (const k of ["PeerVia", "FloodMessage", "PeerTo", "MessageID", "Body"] as const) {
            expect(got[k].id).toBe(expected[k].id);
            expect(Buffer.from(got[k].canonical).toString("utf8")).toBe(
              Buffer.from(expected[k].canonical).toString("utf8"),
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("canonical MessageID and Body look as exc-c14n prescribes", () => {
    const p = outgoingFloodSignedParts(signedFlood("hi"));
    expect(Buffer.from(p.MessageID.canonical).toString()).toBe(
      '<MessageID xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" u:Id="_1">urn:uuid:271dddd4-fa44-46e2-9b86-090c0a52326c</MessageID>',
    );
    expect(Buffer.from(p.Body.canonical).toString()).toBe(
      '<s:Body xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" u:Id="_0"><Say xmlns="urn:example:chat" lang="en">hi</Say></s:Body>',
    );
  });

  it("a signature travels in the Security header and verifies after text and binary transport", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const parts = outgoingFloodSignedParts(signedFlood("signed payload"));
    const DS = "http://www.w3.org/2000/09/xmldsig#";
    const refs = (["PeerVia", "FloodMessage", "PeerTo", "MessageID", "Body"] as const)
      .map((k) => {
        const d = createHash("sha1").update(parts[k].canonical).digest("base64");
        return `<Reference URI="#${parts[k].id}"><Transforms><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform></Transforms><DigestMethod Algorithm="${DS}sha1"></DigestMethod><DigestValue>${d}</DigestValue></Reference>`;
      })
      .join("");
    const signedInfo = `<SignedInfo xmlns="${DS}"><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod><SignatureMethod Algorithm="${DS}rsa-sha1"></SignatureMethod>${refs}</SignedInfo>`;
    const sigValue = sign("sha1", Buffer.from(signedInfo), privateKey).toString("base64");
    const certDer = Buffer.from("not really a certificate, but opaque bytes");
    const WSSE =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    const WSU =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    const bst = `<o:BinarySecurityToken xmlns:o="${WSSE}" xmlns:u="${WSU}" u:Id="uuid-1" ValueType="x509v3" EncodingType="base64">${certDer.toString("base64")}</o:BinarySecurityToken>`;
    const sig = `<Signature xmlns="${DS}">${signedInfo}<SignatureValue>${sigValue}</SignatureValue><KeyInfo><o:SecurityTokenReference xmlns:o="${WSSE}"><o:Reference ValueType="x509v3" URI="#uuid-1"></o:Reference></o:SecurityTokenReference></KeyInfo></Signature>`;
    for (const make of kinds) {
      const [tx, rx] = make();
      const received = rx.decode(
        tx.encode(signedFlood("signed payload", [createSecurityHeader([bst, sig])])),
      );
      const got = readSecuritySignature(received)!;
      expect(Buffer.from(got.signedInfo).toString()).toBe(signedInfo);
      expect(got.references.map((r) => r.uri)).toEqual(["#_3", "#_4", "#_2", "#_1", "#_0"]);
      expect(Buffer.from(got.certificate)).toEqual(certDer);
      expect(
        verify("sha1", got.signedInfo, publicKey, Buffer.from(got.signatureValue, "base64")),
      ).toBe(true);
      const rparts = floodSignedParts(received);
      for (const r of got.references) {
        const part = Object.values(rparts).find((p) => `#${p.id}` === r.uri)!;
        expect(createHash("sha1").update(part.canonical).digest("base64")).toBe(r.digestValue);
      }
      // The Security header is mustUnderstand; reading it marked it understood.
      expect(() => received.checkMustUnderstand()).not.toThrow();
    }
  });
});
