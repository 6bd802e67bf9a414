import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  classifyPeerMessage,
  createConnectMessage,
  createFloodHeaders,
  createRequestSecurityTokenMessage,
  createRequestSecurityTokenResponseMessage,
  createWelcomeMessage,
  formatIPAddress,
  Message,
  NS,
  PEER_TRUST,
  parseConnect,
  parseFloodHeaders,
  parseIPAddress,
  parseRequestSecurityToken,
  parseRequestSecurityTokenResponse,
  parseWelcome,
  TextMessageEncoder,
  WSA,
} from "../src/index.js";
import { canonical, vector } from "./helpers.js";

const text = new TextMessageEncoder();
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** Encodes with text and with binary (session), decodes the binary, and re-renders it as text. */
function viaBinary(build: () => Message): string {
  const tx = new BinaryMessageEncoder({ session: true });
  // The receiver mirrors the sender's outgoing strings in its own incoming dictionary.
  const rx = new BinaryMessageEncoder({ session: true });
  const decoded = rx.decode(tx.encode(build()));
  decoded.bufferBody();
  const again = new Message({ ...decoded, headers: decoded.headers, body: decoded.body });
  return text.encodeToString(again);
}

const CONNECT = {
  nodeId: 14800704070183415334n,
  address: {
    endpointAddress: {
      uri: "net.tcp://160.20.30.40:63758/PeerChannelEndpoints/ba703e02-6a7b-457c-bf81-f0d6e56adb97",
    },
    ipAddresses: [
      parseIPAddress("2001:7d:28:3:f6:159:1c8:237"),
      parseIPAddress("157.59.137.223"),
      parseIPAddress("fe80::698f:7129:bc8a:ad8c"),
    ],
  },
};

describe("MC-PRCH §4.1.3 Connect", () => {
  const xml = vector("prch-4.1.3-connect.xml");

  it("parses to the expected ConnectInfo", () => {
    const msg = text.decode(Buffer.from(xml));
    expect(msg.action).toBe("http://schemas.microsoft.com/net/2006/05/peer/Connect");
    expect(msg.to).toBe("net.p2p://securechatmesh/");
    expect(classifyPeerMessage(msg)).toBe("connect");
    const info = parseConnect(msg);
    expect(info.nodeId).toBe(14800704070183415334n);
    expect(info.address?.endpointAddress?.uri).toBe(CONNECT.address.endpointAddress.uri);
    expect(info.address?.ipAddresses?.map(formatIPAddress)).toEqual([
      "2001:7d:28:3:f6:159:1c8:237",
      "157.59.137.223",
      "fe80::698f:7129:bc8a:ad8c",
    ]);
    expect(info.address?.ipAddresses?.[1]?.family).toBe("InterNetwork");
  });

  it("serialises back to the same infoset (text and binary)", () => {
    const build = () => createConnectMessage(CONNECT, { to: "net.p2p://securechatmesh/" });
    expect(canonical(text.encodeToString(build()))).toEqual(canonical(xml));
    expect(canonical(viaBinary(build))).toEqual(canonical(xml));
  });

  it("uses the prefixes WCF uses (b for System.Net, c for Arrays, i for xsi)", () => {
    const out = text.encodeToString(
      createConnectMessage(CONNECT, { to: "net.p2p://securechatmesh/" }),
    );
    expect(out).toContain(
      '<Connect xmlns="http://schemas.microsoft.com/net/2006/05/peer" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">',
    );
    expect(out).toContain(
      '<IPAddresses xmlns:b="http://schemas.datacontract.org/2004/07/System.Net">',
    );
    expect(out).toContain(
      '<b:m_Numbers xmlns:c="http://schemas.microsoft.com/2003/10/Serialization/Arrays">',
    );
    expect(out).toContain(
      "<b:m_Address>3750312861</b:m_Address><b:m_Family>InterNetwork</b:m_Family>",
    );
  });
});

describe("MC-PRCH §4.1.4 Welcome", () => {
  const xml = vector("prch-4.1.4-welcome.xml");

  it("parses, with an empty (not nil) referral list", () => {
    const msg = text.decode(Buffer.from(xml));
    expect(msg.to).toBe(WSA.anonymous10);
    expect(parseWelcome(msg)).toEqual({ nodeId: 16299239282823246037n, referrals: [] });
  });

  it("serialises back", () => {
    const build = () =>
      createWelcomeMessage(
        { nodeId: 16299239282823246037n, referrals: [] },
        { to: WSA.anonymous10 },
      );
    expect(canonical(text.encodeToString(build()))).toEqual(canonical(xml));
    expect(canonical(viaBinary(build))).toEqual(canonical(xml));
  });
});

describe("MC-PRCH §4.1.1 RequestSecurityToken", () => {
  const xml = vector("prch-4.1.1-rst.xml");
  const auth = b64("mZyMZdkfrFWX+EMp4Lp+eX3sy61391MA15Iqx/9U7yQ=");

  it("parses", () => {
    const msg = text.decode(Buffer.from(xml));
    expect(msg.messageId).toBe("urn:uuid:b3d053cc-eced-43ee-acc1-6c836e219f36");
    expect(msg.replyTo).toEqual({ uri: WSA.anonymous10 });
    const rst = parseRequestSecurityToken(msg);
    expect(rst.tokenType).toBe(PEER_TRUST.tokenType);
    expect(rst.requestType).toBe(PEER_TRUST.requestTypeValidate);
    expect(Array.from(rst.authenticator)).toEqual(Array.from(auth));
    expect(rst.authenticator.length).toBe(32);
  });

  it("serialises back", () => {
    const build = () =>
      createRequestSecurityTokenMessage(auth, {
        messageId: "urn:uuid:b3d053cc-eced-43ee-acc1-6c836e219f36",
      });
    expect(canonical(text.encodeToString(build()))).toEqual(canonical(xml));
    expect(canonical(viaBinary(build))).toEqual(canonical(xml));
  });
});

describe("MC-PRCH §4.1.2 RequestSecurityTokenResponse", () => {
  const xml = vector("prch-4.1.2-rstr.xml");
  const auth = b64("Z9Mbuum3+S/uoCrG2611nIvHiKC9Aj/NCmqscaOoQao=");

  it("parses", () => {
    const msg = text.decode(Buffer.from(xml));
    expect(msg.relatesTo).toEqual({ id: "urn:uuid:b3d053cc-eced-43ee-acc1-6c836e219f36" });
    const rstr = parseRequestSecurityTokenResponse(msg);
    expect(rstr.statusCode).toBe(PEER_TRUST.statusValid);
    expect(rstr.tokenType).toBe(PEER_TRUST.tokenType);
    expect(Buffer.from(rstr.authenticator).toString("base64")).toBe(
      "Z9Mbuum3+S/uoCrG2611nIvHiKC9Aj/NCmqscaOoQao=",
    );
  });

  it("serialises back", () => {
    const build = () =>
      createRequestSecurityTokenResponseMessage(auth, {
        relatesTo: "urn:uuid:b3d053cc-eced-43ee-acc1-6c836e219f36",
      });
    expect(canonical(text.encodeToString(build()))).toEqual(canonical(xml));
    expect(canonical(viaBinary(build))).toEqual(canonical(xml));
  });
});

describe("MC-PRCH §4.3 flood message", () => {
  const xml = vector("prch-4.3-flood.xml");
  const headers = {
    messageId: "271dddd4-fa44-46e2-9b86-090c0a52326c",
    peerTo: "net.p2p://ApplicationMeshName/Channel1/",
    peerVia: "net.p2p://ApplicationMeshName/Channel1",
  };

  it("parses, recognised by its FloodMessage header", () => {
    const msg = text.decode(Buffer.from(xml));
    expect(classifyPeerMessage(msg)).toBe("flood");
    expect(msg.isEmpty).toBe(true);
    expect(parseFloodHeaders(msg)).toEqual({ ...headers, hops: undefined });
    // All four peer headers are now understood; nothing else was mustUnderstand.
    expect(() => msg.checkMustUnderstand()).not.toThrow();
  });

  it("serialises back", () => {
    const build = () =>
      new Message({
        action: "http://MyPeerApplication/MyMethod",
        to: "net.p2p://MyPeerApplication/",
        headers: createFloodHeaders(headers),
      });
    expect(canonical(text.encodeToString(build()))).toEqual(canonical(xml));
    expect(canonical(viaBinary(build))).toEqual(canonical(xml));
  });

  it("puts every peer header in the peer namespace, mustUnderstand off", () => {
    const msg = text.decode(Buffer.from(xml));
    for (const h of msg.headers) {
      expect(h.namespace).toBe(NS.peer);
      expect(h.mustUnderstand).toBe(false);
    }
  });
});
