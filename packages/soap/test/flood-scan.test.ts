import { SessionDictionary, textToBinary } from "@prch/nbfs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createHeader,
  createFloodHeaders,
  createLinkUtilityMessage,
  encodeRelay,
  Message,
  parseFloodHeaders,
  type ReceivedHeader,
  scanBinaryBody,
  scanFlood,
  sessionString,
  type XmlOut,
} from "../src/index.js";

const ID = "271dddd4-fa44-46e2-9b86-090c0a52326c";

function flood(o: {
  id?: string;
  hops?: bigint;
  via?: string;
  to?: string;
  action?: string;
  body?: string;
  extra?: string;
  writeBody?: (out: XmlOut) => void;
}): Message {
  const via = o.via ?? "net.p2p://chatmesh/chat";
  const extra = o.extra;
  return new Message({
    action: o.action ?? "net.p2p://chatmesh/chat/Send",
    to: via,
    headers: [
      ...createFloodHeaders({
        messageId: o.id ?? ID,
        peerTo: o.to ?? via,
        peerVia: via,
        ...(o.hops !== undefined ? { hops: o.hops } : {}),
      }),
      // An application header made of session strings: names, an attribute, a dictionary value.
      ...(extra === undefined
        ? []
        : [
            createHeader({
              name: sessionString(`X${extra}`),
              namespace: sessionString(`urn:x:${extra}`),
              value: (out) => {
                out.attribute(sessionString(`a${extra}`), sessionString("urn:attr"), (w) =>
                  w.writeString("v"),
                );
                out.startElement(sessionString("Inner"), sessionString(`urn:x:${extra}`));
                out.writer.writeDictionaryText(sessionString(`t${extra}`));
                out.endElement();
              },
            }),
          ]),
    ],
    body: (out) => {
      if (o.writeBody !== undefined) {
        o.writeBody(out);
        return;
      }
      out.startElement(sessionString("Say"), sessionString("urn:example:chat"));
      out.writer.writeString(o.body ?? "hello");
      out.endElement();
    },
  });
}

const PEER = "http://schemas.microsoft.com/net/2006/05/peer";

/** A flood as XML text, for the forms a generic writer produces (inline names, Chars values). */
function floodXml(o: {
  action?: string;
  id?: string;
  via?: string;
  flooder?: string;
  hops?: string;
}): string {
  return (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">' +
    `<s:Header>${o.action ?? "<a:Action>urn:x</a:Action>"}` +
    `<MessageID xmlns="${PEER}">${o.id ?? ID}</MessageID>` +
    `<PeerTo xmlns="${PEER}">net.p2p://m/x</PeerTo>` +
    `<PeerVia xmlns="${PEER}">${o.via ?? "net.p2p://m/x"}</PeerVia>` +
    `<FloodMessage xmlns="${PEER}">${o.flooder ?? "PeerFlooder"}</FloodMessage>` +
    (o.hops !== undefined ? `<Hops xmlns="${PEER}/HopCount">${o.hops}</Hops>` : "") +
    "</s:Header><s:Body/></s:Envelope>"
  );
}

/** What the full decoder makes of the same bytes. */
function decoded(bytes: Uint8Array, rx: BinaryMessageEncoder) {
  const m = rx.decode(bytes);
  const hops = m.headers.find((h) => h.name === "Hops") as ReceivedHeader | undefined;
  return { headers: { ...parseFloodHeaders(m), action: m.action }, hopsSpan: hops?.span };
}

describe("scanFlood (MC-PRCH §3.1.5.9.1.1: duplicates dropped before a full decode)", () => {
  it("reads what the decoder reads, on a session link after its strings are known", () => {
    const tx = new BinaryMessageEncoder({ session: true });
    const rx = new BinaryMessageEncoder({ session: true });
    // The first message defines the session strings: its StringTable is not empty.
    const first = tx.encode(flood({ hops: 7n }));
    expect(scanFlood(first, rx.incoming)).toBeUndefined();
    rx.decode(first);
    const second = tx.encode(flood({ hops: 6n, id: "00000000-0000-4000-8000-00000000000a" }));
    expect(second[0]).toBe(0);
    const scan = scanFlood(second, rx.incoming);
    const want = decoded(
      second,
      new BinaryMessageEncoder({
        session: { incoming: rx.incoming!, outgoing: new SessionDictionary() },
      }),
    );
    expect(scan).toMatchObject({ ...want.headers, hopsSpan: want.hopsSpan });
    expect(scan?.hops).toBe(6n);
    expect(scan?.source).toMatchObject({ kind: "binary", documentStart: 1 });
  });

  it("reads a session-free document (NMF encoding 0x07)", () => {
    const enc = new BinaryMessageEncoder();
    const bytes = enc.encode(flood({}));
    const scan = scanFlood(bytes, undefined);
    expect(scan).toMatchObject({ ...decoded(bytes, enc).headers, hopsSpan: undefined });
    expect(scan?.hops).toBeUndefined();
  });

  it("reads the text forms a generic writer produces (inline names, Chars values)", () => {
    const xml =
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">' +
      "<s:Header><a:Action>urn:x/Say</a:Action>" +
      '<p:MessageID xmlns:p="http://schemas.microsoft.com/net/2006/05/peer">  URN:UUID:271DDDD4-FA44-46E2-9B86-090C0A52326C </p:MessageID>' +
      '<PeerTo xmlns="http://schemas.microsoft.com/net/2006/05/peer">net.p2p://m/x</PeerTo>' +
      '<PeerVia xmlns="http://schemas.microsoft.com/net/2006/05/peer"> net.p2p://m/x </PeerVia>' +
      '<FloodMessage xmlns="http://schemas.microsoft.com/net/2006/05/peer">PeerFlooder</FloodMessage>' +
      '<Hops xmlns="http://schemas.microsoft.com/net/2006/05/peer/HopCount">12</Hops>' +
      "<Other><Nested a='1'>x</Nested><Empty/></Other>" +
      "</s:Header><s:Body><x/></s:Body></s:Envelope>";
    const bytes = textToBinary(xml);
    const enc = new BinaryMessageEncoder();
    const scan = scanFlood(bytes, undefined);
    const want = decoded(bytes, enc);
    expect(scan).toMatchObject({ ...want.headers, hopsSpan: want.hopsSpan });
    expect(scan).toMatchObject({ messageId: ID, peerVia: "net.p2p://m/x", hops: 12n });
  });

  it("an unparseable hop count is reported as the decoder reports it", () => {
    for (const hops of ["-1", "abc", "18446744073709551616", " 3 "]) {
      const bytes = textToBinary(floodXml({ hops }));
      expect(scanFlood(bytes, undefined)?.hops).toEqual(
        decoded(bytes, new BinaryMessageEncoder()).headers.hops,
      );
    }
  });

  it("leaves everything else to the decoder", () => {
    const enc = new BinaryMessageEncoder();
    // Not a flood.
    expect(
      scanFlood(enc.encode(createLinkUtilityMessage({ useful: 1, total: 2 })), undefined),
    ).toBeUndefined();
    // No Action header (the decoder refuses it), or two.
    expect(scanFlood(textToBinary(floodXml({ action: "" })), undefined)).toBeUndefined();
    expect(scanFlood(textToBinary(floodXml({})), undefined)).toBeDefined();
    const twoActions = "<a:Action>urn:x</a:Action><a:Action>urn:y</a:Action>";
    expect(scanFlood(textToBinary(floodXml({ action: twoActions })), undefined)).toBeUndefined();
    // A duplicated peer header (parseFloodHeaders refuses it).
    const twice = flood({});
    twice.headers.push(
      ...createFloodHeaders({ messageId: ID, peerTo: "x:y", peerVia: "x:y" }).slice(2, 3),
    );
    expect(scanFlood(enc.encode(twice), undefined)).toBeUndefined();
    // A MessageID that is not a GUID, a FloodMessage that is not PeerFlooder, an empty PeerVia.
    expect(scanFlood(textToBinary(floodXml({ id: "42" })), undefined)).toBeUndefined();
    expect(scanFlood(textToBinary(floodXml({ flooder: "Other" })), undefined)).toBeUndefined();
    expect(scanFlood(textToBinary(floodXml({ via: " " })), undefined)).toBeUndefined();
    // A comment or a nested element inside a peer header value.
    expect(scanFlood(textToBinary(floodXml({ id: `<!--c-->${ID}` })), undefined)).toBeUndefined();
    expect(scanFlood(textToBinary(floodXml({ via: "<x/>" })), undefined)).toBeUndefined();
    // A SOAP 1.1 envelope.
    expect(
      scanFlood(
        textToBinary(
          floodXml({}).replaceAll(
            "http://www.w3.org/2003/05/soap-envelope",
            "http://schemas.xmlsoap.org/soap/envelope/",
          ),
        ),
        undefined,
      ),
    ).toBeUndefined();
    // Over the message size quota.
    const bytes = enc.encode(flood({ body: "x".repeat(2000) }));
    expect(scanFlood(bytes, undefined, { quotas: { maxDocumentSize: 1000 } })).toBeUndefined();
    expect(scanFlood(bytes, undefined)).toBeDefined();
    // More headers than allowed.
    expect(scanFlood(bytes, undefined, { maxHeaders: 3 })).toBeUndefined();
  });

  it("never throws on truncated or corrupted input (property)", () => {
    const enc = new BinaryMessageEncoder();
    const good = enc.encode(flood({ hops: 3n }));
    fc.assert(
      fc.property(
        fc.nat(good.length),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 4,
        }),
        (cut, edits) => {
          const b = Uint8Array.from(good.subarray(0, cut));
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          const scan = scanFlood(b, undefined);
          if (scan !== undefined) {
            // Whatever the scan vouches for, the decoder reads the same headers.
            let full: ReturnType<typeof decoded> | undefined;
            try {
              full = decoded(b, enc);
            } catch {
              full = undefined;
            }
            if (full !== undefined) expect(scan).toMatchObject(full.headers);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("agrees with the decoder on random floods (property)", () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.option(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), { nil: undefined }),
        fc.webUrl(),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 200 }),
        fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
        (id, hops, url, action, body, extra) => {
          const tx = new BinaryMessageEncoder({ session: true });
          const rx = new BinaryMessageEncoder({ session: true });
          const m = () =>
            flood({
              id,
              ...(hops !== undefined ? { hops } : {}),
              via: url,
              action: `urn:a:${action}`,
              body,
              extra,
            });
          rx.decode(tx.encode(m()));
          const bytes = tx.encode(m());
          const scan = scanFlood(bytes, rx.incoming);
          const want = decoded(bytes, rx);
          expect(scan).toMatchObject({ ...want.headers, hopsSpan: want.hopsSpan });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a scanned flood relays to the same bytes as the decoded one", () => {
    const inbound = {
      tx: new BinaryMessageEncoder({ session: true }),
      rx: new BinaryMessageEncoder({ session: true }),
    };
    inbound.rx.decode(inbound.tx.encode(flood({ hops: 9n, extra: "r" })));
    const bytes = inbound.tx.encode(
      flood({ hops: 8n, id: "00000000-0000-4000-8000-00000000000b", extra: "r" }),
    );
    const scan = scanFlood(bytes, inbound.rx.incoming)!;
    expect(scan).toBeDefined();
    const viaScan = new BinaryMessageEncoder({ session: true });
    const viaDecode = new BinaryMessageEncoder({ session: true });
    const a = encodeRelay(scan, viaScan, 7n);
    const b = encodeRelay(inbound.rx.decode(bytes), viaDecode, 7n);
    expect(Buffer.from(a)).toEqual(Buffer.from(b));
    const next = new BinaryMessageEncoder({ session: true }).decode(a);
    expect(parseFloodHeaders(next).hops).toBe(7n);
  });

  it("relays the received document itself when the target numbers the strings alike", () => {
    const tx = new BinaryMessageEncoder({ session: true });
    const rx = new BinaryMessageEncoder({ session: true });
    const out = new BinaryMessageEncoder({ session: true });
    // Both links learn the same strings in the same order.
    const first = rx.decode(tx.encode(flood({ hops: 5n })));
    encodeRelay(first, out);
    const bytes = tx.encode(flood({ hops: 5n, id: "00000000-0000-4000-8000-00000000000c" }));
    const scan = scanFlood(bytes, rx.incoming)!;
    expect(encodeRelay(scan, out)).toBe(bytes);
    // A hop count change still splices a copy.
    const spliced = encodeRelay(scan, out, 4n);
    expect(spliced).not.toBe(bytes);
    expect(
      parseFloodHeaders(
        new BinaryMessageEncoder({
          session: { incoming: out.outgoing!, outgoing: new SessionDictionary() },
        }).decode(spliced),
      ).hops,
    ).toBe(4n);
  });

  it("decodeBody reads the body with the Header cut out, or stepped over", () => {
    const tx = new BinaryMessageEncoder({ session: true });
    const rx = new BinaryMessageEncoder({ session: true });
    rx.decode(tx.encode(flood({ hops: 2n, body: "warm" })));
    const bytes = tx.encode(
      flood({ hops: 2n, body: "héllo", id: "00000000-0000-4000-8000-00000000000d" }),
    );
    const scan = scanFlood(bytes, rx.incoming)!;
    for (const m of [rx.decodeBody(bytes, scan.headersSpan), rx.decodeBody(bytes)]) {
      expect(m.headers).toEqual([]);
      const inp = m.getBodyReader();
      inp.expectStart("Say", "urn:example:chat", "Body");
      expect(inp.text()).toBe("héllo");
      m.endBody(inp);
    }
    expect(() => rx.decodeBody(bytes, { start: 5, end: bytes.length + 1 })).toThrow(/outside/);
  });
});

describe("scanBinaryBody (a byte[] body read without a decode)", () => {
  const SER = "http://schemas.microsoft.com/2003/10/Serialization/";
  const base64Body =
    (chunks: Uint8Array[], attribute = false, ns = SER) =>
    (out: XmlOut) => {
      out.startElement("base64Binary", ns);
      if (attribute)
        out.attribute("nil", "http://www.w3.org/2001/XMLSchema-instance", (w) =>
          w.writeString("false"),
        );
      for (const c of chunks) out.writer.writeBase64(c);
      out.endElement();
    };
  const concat = (bytes: Uint8Array, spans: readonly number[]) =>
    Buffer.concat(
      Array.from({ length: spans.length / 2 }, (_, i) =>
        bytes.subarray(spans[2 * i]!, spans[2 * i + 1]!),
      ),
    );
  /** What reading the body through a full decode gives. */
  const decodedBytes = (bytes: Uint8Array) => {
    const m = new BinaryMessageEncoder().decode(bytes);
    const inp = m.getBodyReader();
    const parts: Uint8Array[] = [];
    while (inp.reader.read() && inp.reader.nodeType !== "endElement") {
      const v = inp.reader.value;
      if (v.type === "base64") parts.push(v.value);
    }
    return Buffer.concat(parts);
  };

  it("gives the spans of the Bytes records, one or several", () => {
    const a = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    const b = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    for (const chunks of [[a], [a, a.subarray(0, 10)], [b]]) {
      const enc = new BinaryMessageEncoder({
        quotas: { maxDocumentSize: 1 << 20, maxArrayLength: 1 << 20 },
      });
      const bytes = enc.encode(flood({ writeBody: base64Body(chunks) }));
      const limits = { quotas: { maxDocumentSize: 1 << 20, maxArrayLength: 1 << 20 } };
      const spans = scanBinaryBody(scanFlood(bytes, undefined, limits)!, limits);
      expect(spans).toBeDefined();
      expect(concat(bytes, spans!)).toEqual(Buffer.concat(chunks));
      // Over the default array quota, the scan leaves the body to the decoder.
      if (chunks[0] === b)
        expect(scanBinaryBody(scanFlood(bytes, undefined, limits)!)).toBeUndefined();
    }
  });

  it("an empty base64Binary element has no spans", () => {
    const bytes = new BinaryMessageEncoder().encode(flood({ writeBody: base64Body([]) }));
    expect(scanBinaryBody(scanFlood(bytes, undefined)!)).toEqual([]);
  });

  it("is undefined for any other body, an attribute, another namespace or bytes after the Envelope", () => {
    const enc = new BinaryMessageEncoder();
    const data = [Uint8Array.of(1, 2, 3)];
    const cases = [
      enc.encode(flood({})),
      enc.encode(flood({ writeBody: base64Body(data, true) })),
      enc.encode(flood({ writeBody: base64Body(data, false, "urn:other") })),
      Buffer.concat([enc.encode(flood({ writeBody: base64Body(data) })), Uint8Array.of(0x01)]),
    ];
    for (const bytes of cases) {
      const scan = scanFlood(bytes, undefined);
      // The headers are still read; only the body is left to the decoder.
      expect(scan?.messageId).toBe(ID);
      expect(scanBinaryBody(scan!)).toBeUndefined();
    }
  });

  it("agrees with a full decode on random payloads and chunkings (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 4 }), (chunks) => {
        const bytes = new BinaryMessageEncoder().encode(flood({ writeBody: base64Body(chunks) }));
        const spans = scanBinaryBody(scanFlood(bytes, undefined)!);
        expect(spans).toBeDefined();
        expect(concat(bytes, spans!)).toEqual(decodedBytes(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe("encodeRelay to several links", () => {
  it("gives links that number the strings alike one shared copy, and each link bytes it can decode", () => {
    const tx = new BinaryMessageEncoder({ session: true });
    const rx = new BinaryMessageEncoder({ session: true });
    rx.decode(tx.encode(flood({ extra: "first" })));
    const received = rx.decode(tx.encode(flood({})));
    // b and c learned the strings in another order than tx: a renumbered copy, the same for both.
    const [b, c, d] = [0, 1, 2].map(() => new BinaryMessageEncoder({ session: true }));
    for (const t of [b!, c!]) {
      t.encode(flood({ action: "urn:seed" }));
      t.encode(flood({}));
    }
    // d learned them as tx did: the received bytes themselves.
    d!.encode(flood({ extra: "first" }));
    const rb = encodeRelay(received, b!);
    const rc = encodeRelay(received, c!);
    const rd = encodeRelay(received, d!);
    expect(rc).toBe(rb);
    expect(rb).not.toBe(received.source!.bytes);
    expect(rd).toBe(received.source!.bytes);
    for (const [t, out] of [
      [b!, rb],
      [c!, rc],
      [d!, rd],
    ] as const) {
      const peer = new BinaryMessageEncoder({
        session: { incoming: t.outgoing!, outgoing: new SessionDictionary() },
      });
      const m = peer.decode(out);
      expect(m.action).toBe("net.p2p://chatmesh/chat/Send");
      expect(parseFloodHeaders(m).messageId).toBe(ID);
    }
    // With a hop count the copies differ from the received bytes but are still shared.
    const withHops = rx.decode(tx.encode(flood({ hops: 5n })));
    expect(encodeRelay(withHops, b!, 4n)).toBe(encodeRelay(withHops, c!, 4n));
    expect(encodeRelay(withHops, b!, 3n)).not.toBe(encodeRelay(withHops, b!, 4n));
  });
});
