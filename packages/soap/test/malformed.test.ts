import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createConnectMessage,
  Message,
  MessageVersions,
  NS,
  parseConnect,
  parseFloodHeaders,
  parseWelcome,
  SoapError,
  TextMessageEncoder,
} from "../src/index.js";

const text = new TextMessageEncoder();
const ENV =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"';
const PEER = "http://schemas.microsoft.com/net/2006/05/peer";

function envelope(headers: string, body = ""): Uint8Array {
  return Buffer.from(
    `<s:Envelope ${ENV}><s:Header>${headers}</s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  );
}

const ACTION =
  '<a:Action s:mustUnderstand="1">http://schemas.microsoft.com/net/2006/05/peer/Welcome</a:Action>';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SoapError);
    return (e as SoapError).code;
  }
  throw new Error("expected a SoapError");
}

describe("malformed messages give typed errors", () => {
  it("missing Action", () => {
    expect(code(() => text.decode(envelope("<a:To>x</a:To>")))).toBe("missing-element");
  });

  it("duplicate Action or To", () => {
    expect(code(() => text.decode(envelope(ACTION + ACTION)))).toBe("duplicate-header");
    expect(code(() => text.decode(envelope(`${ACTION}<a:To>x</a:To><a:To>y</a:To>`)))).toBe(
      "duplicate-header",
    );
  });

  it("a mustUnderstand header nobody understood", () => {
    const msg = text.decode(
      envelope(`${ACTION}<x:Secret xmlns:x="urn:x" s:mustUnderstand="true">1</x:Secret>`),
    );
    expect(code(() => msg.checkMustUnderstand())).toBe("must-understand");
    msg.understand("Secret", "urn:x");
    expect(() => msg.checkMustUnderstand()).not.toThrow();
    // Aimed at another role: not ours to understand.
    const other = text.decode(
      envelope(
        `${ACTION}<x:Secret xmlns:x="urn:x" s:mustUnderstand="1" s:role="urn:someone-else">1</x:Secret>`,
      ),
    );
    expect(() => other.checkMustUnderstand()).not.toThrow();
  });

  it("wrong envelope namespace or SOAP version", () => {
    const soap11 = Buffer.from(
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
    );
    expect(code(() => text.decode(soap11))).toBe("version-mismatch");
    expect(
      code(() => text.decode(Buffer.from('<Envelope xmlns="urn:nope"><Body/></Envelope>'))),
    ).toBe("wrong-namespace");
    expect(code(() => text.decode(Buffer.from("<Other/>")))).toBe("malformed-envelope");
  });

  it("a body element in the wrong namespace (e.g. ns/resolver instead of ns)", () => {
    const body = `<Welcome xmlns="${PEER}/resolver"><NodeId>1</NodeId></Welcome>`;
    const msg = text.decode(envelope(ACTION, body));
    expect(code(() => parseWelcome(msg))).toBe("wrong-namespace");
  });

  it("the wrong action for the parser", () => {
    const msg = text.decode(envelope(ACTION, `<Welcome xmlns="${PEER}"/>`));
    expect(code(() => parseConnect(msg))).toBe("invalid-value");
  });

  it("nil where not allowed", () => {
    const nilBody = `<Welcome xmlns="${PEER}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"/>`;
    expect(code(() => parseWelcome(text.decode(envelope(ACTION, nilBody))))).toBe(
      "nil-not-allowed",
    );
    const nilNode = `<Welcome xmlns="${PEER}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><NodeId i:nil="true"/></Welcome>`;
    expect(code(() => parseWelcome(text.decode(envelope(ACTION, nilNode))))).toBe(
      "nil-not-allowed",
    );
  });

  it("an empty body where one is required", () => {
    expect(code(() => parseWelcome(text.decode(envelope(ACTION))))).toBe("missing-element");
  });

  it("oversize messages, by the encoder's MaxReceivedMessageSize", () => {
    const big = envelope(
      ACTION,
      `<Welcome xmlns="${PEER}"><NodeId>${"1".repeat(70000)}</NodeId></Welcome>`,
    );
    expect(code(() => text.decode(big))).toBe("quota-exceeded");
    const small = new BinaryMessageEncoder({ quotas: { maxDocumentSize: 64 } });
    const bytes = new BinaryMessageEncoder().encode(
      createConnectMessage({ nodeId: 1n, address: null }, { to: "net.p2p://mesh/" }),
    );
    expect(bytes.length).toBeGreaterThan(64);
    expect(code(() => small.decode(bytes))).toBe("quota-exceeded");
  });

  it("over-long strings by the reader quota", () => {
    const enc = new TextMessageEncoder({
      quotas: { maxStringContentLength: 100, maxDocumentSize: 1 << 20 },
    });
    const doc = envelope(
      ACTION,
      `<Welcome xmlns="${PEER}"><NodeId>${"9".repeat(200)}</NodeId></Welcome>`,
    );
    expect(code(() => parseWelcome(enc.decode(doc)))).toBe("quota-exceeded");
    const bin = new BinaryMessageEncoder({ quotas: { maxStringContentLength: 100 } });
    const long = new BinaryMessageEncoder().encode(
      createConnectMessage(
        {
          nodeId: 1n,
          address: { endpointAddress: { uri: `net.tcp://h/${"x".repeat(300)}` }, ipAddresses: [] },
        },
        { to: "net.p2p://mesh/" },
      ),
    );
    expect(code(() => parseConnect(bin.decode(long)))).toBe("quota-exceeded");
  });

  it("too many headers", () => {
    const many = Array.from({ length: 70 }, (_, i) => `<h${i} xmlns="urn:x">1</h${i}>`).join("");
    expect(code(() => text.decode(envelope(ACTION + many)))).toBe("quota-exceeded");
  });

  it("truncated or corrupt binary", () => {
    const enc = new BinaryMessageEncoder();
    const good = enc.encode(
      createConnectMessage({ nodeId: 1n, address: null }, { to: "net.p2p://mesh/" }),
    );
    for (let cut = 1; cut < good.length; cut += 7) {
      const bad = good.subarray(0, cut);
      let thrown: unknown;
      try {
        const m = enc.decode(bad);
        parseConnect(m);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(SoapError);
    }
    const garbage = Uint8Array.from([0x56, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => enc.decode(garbage)).toThrow(SoapError);
  });

  it("invalid UTF-8 and non-XML text", () => {
    expect(code(() => text.decode(Uint8Array.from([0x3c, 0xff, 0xfe])))).toBe("encoding");
    expect(() => text.decode(Buffer.from("<s:Envelope"))).toThrow(SoapError);
  });

  it("bad flood headers", () => {
    const flood = (extra: string) =>
      text.decode(
        envelope(
          `${ACTION}<MessageID xmlns="${PEER}">urn:uuid:271dddd4-fa44-46e2-9b86-090c0a52326c</MessageID><PeerTo xmlns="${PEER}">net.p2p://m/</PeerTo><PeerVia xmlns="${PEER}">net.p2p://m/</PeerVia>${extra}`,
        ),
      );
    expect(code(() => parseFloodHeaders(flood("")))).toBe("missing-element");
    expect(
      code(() => parseFloodHeaders(flood(`<FloodMessage xmlns="${PEER}">Other</FloodMessage>`))),
    ).toBe("invalid-value");
    const twice = `<FloodMessage xmlns="${PEER}">PeerFlooder</FloodMessage><FloodMessage xmlns="${PEER}">PeerFlooder</FloodMessage>`;
    expect(code(() => parseFloodHeaders(flood(twice)))).toBe("duplicate-header");
    const badId = text.decode(
      envelope(
        `${ACTION}<MessageID xmlns="${PEER}">not-a-guid</MessageID><PeerTo xmlns="${PEER}">x</PeerTo><PeerVia xmlns="${PEER}">x</PeerVia><FloodMessage xmlns="${PEER}">PeerFlooder</FloodMessage>`,
      ),
    );
    expect(code(() => parseFloodHeaders(badId))).toBe("invalid-value");
    // An unparseable hop count is reported, not fatal (Windows forwards anyway).
    const hops = parseFloodHeaders(
      flood(
        `<FloodMessage xmlns="${PEER}">PeerFlooder</FloodMessage><Hops xmlns="${NS.peerHopCount}">-3</Hops>`,
      ),
    );
    expect(hops.hops).toBe("invalid");
  });

  it("encoding refuses impossible messages", () => {
    expect(code(() => text.encode(new Message({})))).toBe("invalid-argument");
    expect(
      code(() => text.encode(new Message({ version: MessageVersions.Soap11, action: "x" }))),
    ).toBe("version-mismatch");
    expect(code(() => text.encode(createConnectMessage({ nodeId: -1n, address: null })))).toBe(
      "invalid-argument",
    );
  });
});
