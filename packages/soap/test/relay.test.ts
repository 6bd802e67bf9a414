import {
  BinaryXmlWriter,
  binaryToText,
  DEFAULT_QUOTAS,
  dumpRecords,
  encodeStringTable,
  readStringTable,
  SessionDictionary,
} from "@prch/nbfs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createFloodHeaders,
  createLinkUtilityMessage,
  encodeRelay,
  Message,
  type MessageEncoder,
  parseFloodHeaders,
  remapSessionStrings,
  sessionString,
  TextMessageEncoder,
  type XmlIn,
} from "../src/index.js";

const APP_NS = "urn:example:chat";

function flood(
  payload: string,
  hops: bigint | undefined,
  id = "271dddd4-fa44-46e2-9b86-090c0a52326c",
): Message {
  return new Message({
    action: "urn:example:chat/Say",
    to: "net.p2p://chatmesh/",
    headers: createFloodHeaders({
      messageId: id,
      peerTo: "net.p2p://chatmesh/",
      peerVia: "net.p2p://chatmesh/",
      ...(hops !== undefined ? { hops } : {}),
    }),
    body: (out) => {
      out.startElement(sessionString("Say"), sessionString(APP_NS));
      out.startElement(sessionString("Text"), sessionString(APP_NS));
      out.writer.writeString(payload);
      out.endElement();
      out.startElement(sessionString("Count"), sessionString(APP_NS));
      out.writer.writeInt32(payload.length);
      out.endElement();
      out.endElement();
    },
  });
}

function readSay(msg: Message): { text: string; count: string } {
  const inp: XmlIn = msg.getBodyReader();
  inp.expectStart("Say", APP_NS, "Body");
  inp.enter();
  inp.nextChild("Say");
  const text = inp.text();
  inp.nextChild("Say");
  const count = inp.text();
  return { text, count };
}

type Kind = "text" | "binary" | "session";
const make = (k: Kind): MessageEncoder =>
  k === "text"
    ? new TextMessageEncoder()
    : new BinaryMessageEncoder(k === "session" ? { session: true } : {});

/** A link: what the sender encodes with and what the receiver decodes with (its own mirror). */
function link(k: Kind): { tx: MessageEncoder; rx: MessageEncoder } {
  return { tx: make(k), rx: make(k) };
}

describe("relaying flood messages with a new hop count", () => {
  const kinds: Kind[] = ["text", "binary", "session"];
  for (const from of kinds) {
    for (const to of kinds) {
      it(`${from} → ${to}`, () => {
        const a = link(from); // origin → us
        const b = link(to); // us → next hop
        // Give the outgoing session some history so ids differ from the incoming ones.
        if (to === "session") {
          b.rx.decode(
            b.tx.encode(
              createLinkUtilityMessage({ total: 1, useful: 1 }, { to: "net.p2p://other/" }),
            ),
          );
          b.rx.decode(b.tx.encode(flood("warm-up", 9n, "00000000-0000-4000-8000-000000000001")));
        }
        const received = a.rx.decode(a.tx.encode(flood("héllo <world> & all", 5n)));
        expect(parseFloodHeaders(received).hops).toBe(5n);
        // Local delivery reads the body first; relaying must not need it.
        expect(readSay(received).text).toBe("héllo <world> & all");
        const relayed = encodeRelay(received, b.tx, 4n);
        const next = b.rx.decode(relayed);
        const h = parseFloodHeaders(next);
        expect(h.hops).toBe(4n);
        expect(h.messageId).toBe("271dddd4-fa44-46e2-9b86-090c0a52326c");
        expect(next.action).toBe("urn:example:chat/Say");
        expect(next.to).toBe("net.p2p://chatmesh/");
        expect(readSay(next)).toEqual({ text: "héllo <world> & all", count: "19" });
        // And once more, from the relayed copy.
        const again = b.rx.decode(
          b.tx.encode(flood("x", 1n, "00000000-0000-4000-8000-000000000003")),
        );
        expect(parseFloodHeaders(again).hops).toBe(1n);
      });
    }
  }

  it("splices bytes: everything but the Hops element is copied unchanged (binary)", () => {
    const enc = new BinaryMessageEncoder();
    const original = enc.encode(flood("payload", 200n));
    const received = enc.decode(original);
    const relayed = encodeRelay(received, enc, 199n);
    const hops = received.headers.find((h) => h.name === "Hops") as unknown as {
      span: { start: number; end: number };
    };
    expect(Buffer.from(relayed.subarray(0, hops.span.start))).toEqual(
      Buffer.from(original.subarray(0, hops.span.start)),
    );
    const tail = original.length - hops.span.end;
    expect(Buffer.from(relayed.subarray(relayed.length - tail))).toEqual(
      Buffer.from(original.subarray(hops.span.end)),
    );
  });

  it("text splice keeps the rest of the text verbatim", () => {
    const enc = new TextMessageEncoder();
    const xml = enc.encodeToString(flood("payload", 3n));
    const relayed = Buffer.from(encodeRelay(enc.decode(Buffer.from(xml)), enc, 2n)).toString(
      "utf8",
    );
    expect(relayed).toBe(xml.replace(">3</Hops>", ">2</Hops>"));
  });

  it("without a hop count change the bytes are relayed as they are", () => {
    const enc = new BinaryMessageEncoder();
    const bytes = enc.encode(flood("p", undefined));
    expect(Buffer.from(encodeRelay(enc.decode(bytes), enc))).toEqual(Buffer.from(bytes));
    expect(() => encodeRelay(enc.decode(bytes), enc, 3n)).toThrow(
      expect.objectContaining({ code: "missing-element" }),
    );
  });

  it("session → session relays survive many messages with independent numbering (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: "grapheme-ascii", maxLength: 30 }), fc.boolean()), {
          minLength: 1,
          maxLength: 12,
        }),
        (items) => {
          const inbound = link("session");
          const outbound = link("session");
          let i = 0;
          for (const [payload, warm] of items) {
            // Interleave unrelated traffic on the outbound link so both numberings drift apart.
            if (warm) {
              outbound.rx.decode(
                outbound.tx.encode(
                  createLinkUtilityMessage({ total: i, useful: 0 }, { to: `net.p2p://m${i}/` }),
                ),
              );
            }
            const received = inbound.rx.decode(inbound.tx.encode(flood(payload, 10n)));
            const relayed = encodeRelay(received, outbound.tx, 9n);
            const next = outbound.rx.decode(relayed);
            expect(parseFloodHeaders(next).hops).toBe(9n);
            expect(readSay(next).text).toBe(payload);
            i++;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("relay respects the target's session limits", () => {
  it("writes strings inline once the outgoing session is full (MaxSessionSize)", () => {
    const inbound = link("session");
    const received = inbound.rx.decode(inbound.tx.encode(flood("limits", 4n)));
    // A target whose session can hold only 40 bytes of strings.
    const tx = new BinaryMessageEncoder({ session: true, quotas: { maxSessionSize: 40 } });
    const rx = new BinaryMessageEncoder({ session: true, quotas: { maxSessionSize: 40 } });
    const next = rx.decode(encodeRelay(received, tx, 3n));
    expect(parseFloodHeaders(next).hops).toBe(3n);
    expect(readSay(next).text).toBe("limits");
    expect(tx.outgoing!.byteSize).toBeLessThanOrEqual(40);
  });
});

describe("one received flood relayed to many neighbors", () => {
  it("renumbers session strings per target from one walk of the document", () => {
    const inbound = link("session");
    const received = inbound.rx.decode(inbound.tx.encode(flood("fan-out", 6n)));
    const outputs: Uint8Array[] = [];
    for (let k = 0; k < 4; k++) {
      const out = link("session");
      // k unrelated strings first: the target numbers the flood's strings 2k higher.
      for (let j = 0; j < k; j++) {
        out.rx.decode(
          out.tx.encode(
            new Message({
              action: `urn:warm/${k}/${j}`,
              to: "net.p2p://warm/",
              body: (o) => {
                o.startElement(sessionString(`W${k}x${j}`), sessionString(`urn:w${k}x${j}`));
                o.endElement();
              },
            }),
          ),
        );
      }
      // Twice: the second relay on a link reuses the strings its first one defined.
      for (let pass = 0; pass < 2; pass++) {
        const bytes = encodeRelay(received, out.tx, 5n);
        outputs.push(bytes);
        const next = out.rx.decode(bytes);
        expect(parseFloodHeaders(next)).toMatchObject({
          hops: 5n,
          messageId: "271dddd4-fa44-46e2-9b86-090c0a52326c",
        });
        expect(readSay(next)).toEqual({ text: "fan-out", count: "7" });
      }
    }
    // The first relay on each link carries a StringTable, the second none (0x00).
    expect(outputs[1]![0]).toBe(0);
    expect(outputs[0]![0]).not.toBe(0);
    // Different numberings give different documents.
    expect(Buffer.from(outputs[1]!)).not.toEqual(Buffer.from(outputs[7]!));
  });
});

describe("one message sent to many links (encodeForRelay)", () => {
  it("serialises once; the other links get copies renumbered for their sessions", () => {
    const links = [0, 1, 2].map(() => link("session"));
    // Give link 2 unrelated history, so its numbering differs from link 0's.
    links[2]!.rx.decode(
      links[2]!.tx.encode(
        createLinkUtilityMessage({ total: 1, useful: 1 }, { to: "net.p2p://o/" }),
      ),
    );
    for (let round = 0; round < 2; round++) {
      const msg = flood(`round ${round}`, 3n, `00000000-0000-4000-8000-00000000001${round}`);
      const first = links[0]!.tx as BinaryMessageEncoder;
      const { bytes, document } = first.encodeForRelay(msg);
      const outs = [bytes, ...links.slice(1).map((l) => encodeRelay(document, l.tx))];
      outs.forEach((b, i) => {
        const got = links[i]!.rx.decode(b);
        expect(parseFloodHeaders(got).hops).toBe(3n);
        expect(readSay(got).text).toBe(`round ${round}`);
      });
      // Link 1 numbers the strings as link 0 does: from the second round on it gets the very bytes.
      if (round === 1) expect(outs[1]).toBe(bytes);
    }
  });
});

describe("the record copier (remapSessionStrings) on every session-string record form", () => {
  // Element, attribute and xmlns records with multi-letter prefixes (0x43, 0x07, 0x0B), one-letter
  // prefixes (0x44–0x5D, 0x0C–0x25), no prefix (0x42, 0x06, 0x0A), and DictionaryText values.
  function document(session: SessionDictionary): Uint8Array {
    const w = new BinaryXmlWriter({ session });
    const s = (v: string) => sessionString(v);
    w.writeStartElement("ab", s("Root"), s("urn:one"));
    w.writeXmlnsAttribute("cd", s("urn:two"));
    w.writeXmlnsAttribute("e", s("urn:three"));
    w.writeStartAttribute("cd", s("attr"), s("urn:two"));
    w.writeDictionaryText(s("value"));
    w.writeEndAttribute();
    w.writeStartAttribute("e", s("one"), s("urn:three"));
    w.writeString("x");
    w.writeEndAttribute();
    w.writeStartElement("e", s("Child"), s("urn:three"));
    w.writeDictionaryText(s("text"));
    w.writeEndElement();
    w.writeStartElement("", s("Plain"), s("urn:four"));
    w.writeStartAttribute("", s("bare"), undefined);
    w.writeString("y");
    w.writeEndAttribute();
    w.writeEndElement();
    w.writeEndElement();
    return w.toBytes();
  }

  it("renumbers or inlines them, and the documents read the same", () => {
    const sent = new SessionDictionary();
    const bytes = document(sent);
    const incoming = new SessionDictionary();
    const start = readStringTable(bytes, 0, incoming, DEFAULT_QUOTAS);
    const want = binaryToText(bytes, { session: new SessionDictionary() });
    const records = dumpRecords(bytes, { session: new SessionDictionary() });
    for (const kind of [
      / DictionaryElement +<ab:Root/,
      /PrefixDictionaryElementE +<e:Child/,
      / ShortDictionaryElement +<Plain/,
      /cd:attr=\(dictionary "value"\)/,
      /xmlns:cd=\(dictionary "urn:two"\)/,
      /DictionaryTextWithEndElement +dictionary "text"/,
    ]) {
      expect(records).toMatch(kind);
    }
    // Inline (no target session): every session string becomes text.
    const inline = remapSessionStrings(bytes, start, incoming, undefined);
    expect(binaryToText(inline)).toBe(want);
    // Renumbered into a session that already holds other strings.
    const target = new SessionDictionary();
    const mirror = new SessionDictionary();
    for (const x of ["p", "q", "r"]) {
      target.add(x);
      mirror.add(x);
    }
    const staged: string[] = [];
    const stage = (x: string) => target.idOf(x) ?? target.nextId + 2 * (staged.push(x) - 1);
    const renumbered = remapSessionStrings(bytes, start, incoming, stage);
    const table = encodeStringTable(staged);
    const doc = new Uint8Array(table.length + renumbered.length);
    doc.set(table);
    doc.set(renumbered, table.length);
    expect(binaryToText(doc, { session: mirror })).toBe(want);
    expect(Buffer.from(renumbered)).not.toEqual(Buffer.from(bytes.subarray(start)));
  });
});
