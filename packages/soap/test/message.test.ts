import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createHeader,
  Message,
  type MessageVersion,
  MessageVersions,
  type ReceivedHeader,
  SOAP_ROLES,
  TextMessageEncoder,
  textNode,
  WSA,
} from "../src/index.js";

const versions: [string, MessageVersion][] = Object.entries(MessageVersions);

function full(version: MessageVersion): Message {
  const wsa = version.addressing !== "none";
  return new Message({
    version,
    ...(wsa
      ? {
          action: "urn:test/Op",
          to: "net.tcp://host/svc",
          messageId: "urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662da",
          relatesTo: {
            id: "urn:uuid:00000000-0000-4000-8000-000000000000",
            relationshipType: "urn:custom-rel",
          },
          replyTo: {
            uri: version.addressing === "wsa10" ? WSA.anonymous10 : WSA.anonymous2004,
            referenceParameters: [textNode("Cookie", "urn:app", "42")],
          },
          from: { uri: "net.tcp://me/" },
          faultTo: { uri: "net.tcp://faults/" },
        }
      : {}),
    headers: [
      createHeader({ name: "Plain", namespace: "urn:h", value: "v1" }),
      createHeader({
        name: "Strict",
        namespace: "urn:h",
        value: "v2",
        mustUnderstand: true,
        role: version.envelope === "soap12" ? SOAP_ROLES.next : SOAP_ROLES.next11,
        relay: true,
      }),
    ],
    body: (out) => out.textElement("Payload", "urn:app", "body text"),
  });
}

describe("message model round trips in every message version", () => {
  for (const [name, version] of versions) {
    for (const enc of [
      new TextMessageEncoder({ version }),
      new BinaryMessageEncoder({ version, session: true }),
    ]) {
      it(`${name} (${enc.kind})`, () => {
        const rx = enc.kind === "text" ? enc : new BinaryMessageEncoder({ version, session: true });
        const m = rx.decode(enc.encode(full(version)));
        const sent = full(version);
        expect(m.action).toBe(sent.action);
        expect(m.to).toBe(sent.to);
        expect(m.messageId).toBe(sent.messageId);
        expect(m.relatesTo).toEqual(sent.relatesTo);
        expect(m.replyTo?.uri).toBe(sent.replyTo?.uri);
        expect(m.replyTo?.referenceParameters?.[0]?.localName ?? undefined).toBe(
          sent.replyTo === undefined ? undefined : "Cookie",
        );
        expect(m.from).toEqual(sent.from);
        expect(m.faultTo).toEqual(sent.faultTo);
        const [plain, strict] = m.headers as ReceivedHeader[];
        expect(plain?.text).toBe("v1");
        expect(plain?.mustUnderstand).toBe(false);
        expect(strict?.mustUnderstand).toBe(true);
        expect(strict?.role).toBe(
          version.envelope === "soap12" ? SOAP_ROLES.next : SOAP_ROLES.next11,
        );
        // relay exists only in SOAP 1.2.
        expect(strict?.relay).toBe(version.envelope === "soap12");
        expect(() => m.checkMustUnderstand()).toThrow(
          expect.objectContaining({ code: "must-understand" }),
        );
        m.understand("Strict", "urn:h");
        m.checkMustUnderstand();
        const body = m.getBodyReader();
        expect(body.isStart("Payload", "urn:app")).toBe(true);
        expect(body.text()).toBe("body text");
        expect(() => m.getBodyReader()).toThrow(
          expect.objectContaining({ code: "invalid-argument" }),
        );
      });
    }
  }

  it("writes addressing headers in WCF's order, s and a declared on Envelope", () => {
    const xml = new TextMessageEncoder().encodeToString(full(MessageVersions.Soap12WSAddressing10));
    expect(
      xml.startsWith(
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">',
      ),
    ).toBe(true);
    const order = [
      "a:Action",
      "a:MessageID",
      "a:RelatesTo",
      "a:ReplyTo",
      "a:From",
      "a:FaultTo",
      "a:To",
      "<Plain",
      "<Strict",
    ].map((t) => xml.indexOf(t));
    expect(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]!))).toBe(true);
  });

  it("omits the Header element when there are no headers (SOAP without addressing)", () => {
    const xml = new TextMessageEncoder({ version: MessageVersions.Soap11 }).encodeToString(
      new Message({ version: MessageVersions.Soap11 }),
    );
    expect(xml).toBe(
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
    );
  });

  it("bufferBody lets a received message be written again", () => {
    const enc = new TextMessageEncoder();
    const m = enc.decode(enc.encode(full(MessageVersions.Soap12WSAddressing10)));
    m.bufferBody();
    const again = new Message({ action: "urn:x", body: m.body });
    expect(enc.encodeToString(again)).toContain('<Payload xmlns="urn:app">body text</Payload>');
  });
});
