import { describe, expect, it } from "vitest";
import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  NbfsError,
  TextXmlWriter,
  type XmlWriter,
} from "../src/index.js";
import { toHex } from "./helpers.js";

function bytesOf(fn: (w: BinaryXmlWriter) => void): string {
  const w = new BinaryXmlWriter();
  w.writeStartElement("", "e");
  fn(w);
  return toHex(w.toBytes()).slice("40 01 65 ".length);
}

describe("BinaryXmlWriter record choice", () => {
  it("integers by magnitude", () => {
    expect(bytesOf((w) => w.writeInt32(0))).toBe("81");
    expect(bytesOf((w) => w.writeInt32(1))).toBe("83");
    expect(bytesOf((w) => w.writeInt32(-1))).toBe("89 ff");
    expect(bytesOf((w) => w.writeInt32(128))).toBe("8b 80 00");
    expect(bytesOf((w) => w.writeInt32(-32769))).toBe("8d ff 7f ff ff");
    expect(bytesOf((w) => w.writeInt64(2147483648n))).toBe("8f 00 00 00 80 00 00 00 00");
    expect(bytesOf((w) => w.writeInt64(-5n))).toBe("89 fb");
    expect(bytesOf((w) => w.writeUInt64(2n ** 64n - 1n))).toBe("b3 ff ff ff ff ff ff ff ff");
    expect(bytesOf((w) => w.writeUInt64(7n))).toBe("89 07");
  });

  // Expected bytes checked against Mono's XmlDictionaryWriter.CreateBinaryWriter.
  it("floats and doubles as .NET Framework's XmlBinaryNodeWriter does", () => {
    expect(bytesOf((w) => w.writeFloat(2))).toBe("89 02");
    expect(bytesOf((w) => w.writeFloat(40000))).toBe("8d 40 9c 00 00");
    expect(bytesOf((w) => w.writeDouble(1e10))).toBe("8f 00 e4 0b 54 02 00 00 00");
    expect(bytesOf((w) => w.writeDouble(2 ** 63))).toBe("91 00 00 00 5f");
    expect(bytesOf((w) => w.writeDouble(-0))).toBe("81");
    expect(bytesOf((w) => w.writeFloat(1.1))).toBe("91 cd cc 8c 3f");
    expect(bytesOf((w) => w.writeDouble(0.5))).toBe("91 00 00 00 3f");
    expect(bytesOf((w) => w.writeDouble(3))).toBe("89 03");
    expect(bytesOf((w) => w.writeDouble(0.1))).toBe("93 9a 99 99 99 99 99 b9 3f");
    // Checked against Mono: infinities and NaN stay DoubleText (NaN with
    // .NET's sign bit); a whole double that is no float32 too.
    expect(bytesOf((w) => w.writeDouble(Number.NaN))).toBe("93 00 00 00 00 00 00 f8 ff");
    expect(bytesOf((w) => w.writeDouble(Number.POSITIVE_INFINITY))).toBe(
      "93 00 00 00 00 00 00 f0 7f",
    );
    expect(bytesOf((w) => w.writeDouble(123456789))).toBe("93 00 00 00 54 34 6f 9d 41");
    expect(bytesOf((w) => w.writeFloat(Number.POSITIVE_INFINITY))).toBe("91 00 00 80 7f");
    expect(bytesOf((w) => w.writeFloat(Number.NaN))).toBe("91 00 00 c0 ff");
  });

  it("strings: Zero/One, Chars8/16, UnicodeChars when UTF-8 is over twice as long", () => {
    expect(bytesOf((w) => w.writeString("0"))).toBe("81");
    expect(bytesOf((w) => w.writeString("1"))).toBe("83");
    expect(bytesOf((w) => w.writeString("ab"))).toBe("99 02 61 62");
    expect(bytesOf((w) => w.writeString(""))).toBe("01");
    // Long texts end with a plain EndElement: .NET flushed its buffer while
    // writing them, which cancels the fusion (bytes as Mono writes them).
    expect(bytesOf((w) => w.writeString("x".repeat(300)))).toMatch(/^9a 2c 01 78( 78)+ 01$/);
    // "€€" is 6 UTF-8 bytes for 2 characters (6/2 = 3 > 2): UnicodeChars8Text.
    expect(bytesOf((w) => w.writeString("€€"))).toBe("b7 04 ac 20 ac 20");
    // "é" is 2 bytes for 1 character (2/2 = 1, not > 1): Chars8Text.
    expect(bytesOf((w) => w.writeString("é"))).toBe("99 02 c3 a9");
  });

  it("base64: whole groups, then the leftover bytes", () => {
    expect(bytesOf((w) => w.writeBase64(Uint8Array.of(1, 2, 3)))).toBe("9f 03 01 02 03");
    expect(bytesOf((w) => w.writeBase64(Uint8Array.of(1, 2)))).toBe("9f 02 01 02");
    expect(
      bytesOf((w) => {
        w.writeBase64(Uint8Array.of(1, 2));
        w.writeBase64(Uint8Array.of(3, 4));
      }),
    ).toBe("9e 03 01 02 03 9f 01 04");
    expect(bytesOf((w) => w.writeBase64(new Uint8Array(0)))).toBe("01");
  });

  it("attribute values: several writes make one record; empty is EmptyText", () => {
    const h = bytesOf((w) => {
      w.writeStartAttribute("", "a");
      w.writeString("x");
      w.writeInt32(5);
      w.writeEndAttribute();
      w.writeStartAttribute("", "b");
      w.writeEndAttribute();
      w.writeStartAttribute("", "c");
      w.writeInt32(300);
      w.writeEndAttribute();
    });
    expect(h).toBe("04 01 61 98 02 78 35 04 01 62 a8 04 01 63 8a 2c 01 01");
  });

  it("QName: QNameDictionaryText for a letter prefix and a dictionary name, text otherwise", () => {
    expect(bytesOf((w) => w.writeQName("s", { id: 0x02, value: "Envelope" }))).toBe("bd 12 02");
    // Otherwise prefix, ":" and name as three texts (bytes as Mono writes them).
    expect(bytesOf((w) => w.writeQName("s", "local"))).toBe(
      "98 01 73 98 01 3a 99 05 6c 6f 63 61 6c",
    );
    expect(bytesOf((w) => w.writeQName("pre", { id: 0x02, value: "Envelope" }))).toBe(
      "98 03 70 72 65 98 01 3a ab 02",
    );
    expect(
      bytesOf((w) => {
        w.writeStartAttribute("", "t");
        w.writeQName("s", "local");
        w.writeEndAttribute();
      }),
    ).toBe("04 01 74 98 07 73 3a 6c 6f 63 61 6c 01");
  });

  it("lists and UniqueIds", () => {
    expect(
      bytesOf((w) =>
        w.writeList([
          { type: "int32", value: 123 },
          { type: "string", value: "hello" },
          { type: "bool", value: true },
        ]),
      ),
    ).toBe("a4 88 7b 98 05 68 65 6c 6c 6f 86 a6 01");
    expect(bytesOf((w) => w.writeUniqueId("urn:uuid:33221100-5544-7766-8899-AABBCCDDEEFF"))).toBe(
      "ad 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff",
    );
    expect(bytesOf((w) => w.writeUniqueId("uuid:not-a-guid;id=1"))).toMatch(/^99 14 75 75/);
    // .NET's UniqueId.IsGuid is false for the all-zero GUID: it goes out as text.
    expect(bytesOf((w) => w.writeUniqueId(new Uint8Array(16)))).toBe(
      `99 2d ${toHex(new TextEncoder().encode("urn:uuid:00000000-0000-0000-0000-000000000000"))}`,
    );
  });

  it("declares namespaces once, after the attributes, and only where needed", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("p", "a", "urn:p");
    w.writeAttributeString("i", "nil", "http://www.w3.org/2001/XMLSchema-instance", "true");
    w.writeStartElement("p", "b", "urn:p");
    w.writeEndElement();
    w.writeEndElement();
    expect(binaryToText(w.toBytes())).toBe(
      '<p:a i:nil="true" xmlns:p="urn:p" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><p:b></p:b></p:a>',
    );
  });
});

describe("writer misuse throws NbfsError", () => {
  const writers: [string, () => XmlWriter][] = [
    ["binary", () => new BinaryXmlWriter()],
    ["text", () => new TextXmlWriter()],
  ];
  for (const [name, make] of writers) {
    it(`${name}: state errors`, () => {
      expect(() => make().writeEndElement()).toThrow(NbfsError);
      expect(() => make().writeString("x")).toThrow(/outside the root/);
      expect(() => {
        const w = make();
        w.writeStartElement("", "a");
        w.writeString("x");
        w.writeAttributeString("", "b", undefined, "c");
      }).toThrow(/attribute outside a start element/);
      expect(() => {
        const w = make();
        w.writeStartElement("q", "a");
        w.writeString("x");
      }).toThrow(/not declared/);
      expect(() => {
        const w = make();
        w.writeStartElement("p", "a", "urn:1");
        w.writeXmlnsAttribute("p", "urn:2");
      }).toThrow(/already bound/);
      expect(() => {
        const w = make();
        w.writeStartElement("", "a");
        w.finish();
        w.writeStartElement("", "b");
      }).toThrow(/finished/);
    });
  }

  it("binary: values out of range and lone surrogates", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "a");
    expect(() => w.writeInt32(2 ** 31)).toThrow(NbfsError);
    expect(() => w.writeInt32(1.5)).toThrow(NbfsError);
    expect(() => w.writeInt64(2n ** 63n)).toThrow(NbfsError);
    expect(() => w.writeUInt64(-1n)).toThrow(NbfsError);
    expect(() => w.writeDecimal({ mantissa: 2n ** 96n, scale: 0, negative: false })).toThrow(
      NbfsError,
    );
    expect(() => w.writeDecimal({ mantissa: 1n, scale: 29, negative: false })).toThrow(NbfsError);
    expect(() => w.writeGuid("nope")).toThrow(NbfsError);
    expect(() => w.writeString("a\ud800b")).toThrow(/lone surrogate/);
    expect(() => w.writeDateTime({ ticks: -1n, kind: "utc" })).toThrow(NbfsError);
  });

  it("bad array items are rejected before anything is written", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "a");
    const before = w.length;
    expect(() => w.writeArray("", "i", undefined, { type: "int16", values: [1, 40000] })).toThrow(
      NbfsError,
    );
    expect(() => w.writeArray("", "i", undefined, { type: "int32", values: [1.5] })).toThrow(
      NbfsError,
    );
    expect(() => w.writeArray("", "i", undefined, { type: "int64", values: [2n ** 63n] })).toThrow(
      NbfsError,
    );
    expect(() => w.writeArray("", "i", undefined, { type: "guid", values: ["x"] })).toThrow(
      NbfsError,
    );
    expect(() =>
      w.writeArray("", "i", undefined, {
        type: "datetime",
        values: [{ ticks: 2n ** 62n, kind: "utc" }],
      }),
    ).toThrow(NbfsError);
    expect(w.length).toBe(before);
  });

  it("a document written after errors is still well formed", () => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "a");
    expect(() => w.writeInt32(2 ** 40)).toThrow(NbfsError);
    w.writeInt32(7);
    const r = new BinaryXmlReader(w.toBytes());
    r.read();
    expect(r.readElementContentAsValue()).toEqual({ type: "int32", value: 7 });
  });
});

// Bytes produced by Mono's XmlDictionaryWriter.CreateBinaryWriter (the .NET
// Framework reference source) for the same calls; recorded with a scratch
// C# probe while writing this package.
describe("byte-for-byte with Mono's binary writer", () => {
  const MONO: [string, (w: BinaryXmlWriter) => void, string][] = [
    [
      "xmlns after attributes, in declaration order",
      (w) => {
        w.writeStartElement("p", "a", "urn:p");
        w.writeAttributeString("i", "nil", "http://www.w3.org/2001/XMLSchema-instance", "true");
      },
      "6d 01 61 2e 03 6e 69 6c 98 04 74 72 75 65 09 01 70 05 75 72 6e 3a 70 09 01 69 29 68 74 74 70 3a 2f 2f 77 77 77 2e 77 33 2e 6f 72 67 2f 32 30 30 31 2f 58 4d 4c 53 63 68 65 6d 61 2d 69 6e 73 74 61 6e 63 65 01",
    ],
    [
      "base64 of 8 bytes",
      (w) => {
        w.writeStartElement("", "e");
        w.writeBase64(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7));
      },
      "40 01 65 9e 06 00 01 02 03 04 05 9f 02 06 07",
    ],
    [
      "decimal 1.50",
      (w) => {
        w.writeStartElement("", "e");
        w.writeDecimal({ mantissa: 150n, scale: 2, negative: false });
      },
      "40 01 65 95 00 00 02 00 00 00 00 00 96 00 00 00 00 00 00 00",
    ],
    [
      "UTC DateTime",
      (w) => {
        w.writeStartElement("", "e");
        w.writeDateTime({ ticks: 632834208000000000n, kind: "utc" });
      },
      "40 01 65 97 00 40 8e f9 5b 47 c8 48",
    ],
    [
      "int array",
      (w) => {
        w.writeStartElement("", "root");
        w.writeArray("", "i", "urn:x", { type: "int32", values: [1, 2] });
      },
      "40 04 72 6f 6f 74 03 40 01 69 08 05 75 72 6e 3a 78 01 8d 02 01 00 00 00 02 00 00 00 01",
    ],
    [
      "lists in an attribute and in content",
      (w) => {
        w.writeStartElement("", "e");
        w.writeStartAttribute("", "a");
        w.writeList([
          { type: "int32", value: 1 },
          { type: "int32", value: 2 },
        ]);
        w.writeEndAttribute();
        w.writeList([
          { type: "int32", value: 1 },
          { type: "int32", value: 2 },
        ]);
      },
      "40 01 65 04 01 61 a4 82 88 02 a6 a4 82 88 02 a6 01",
    ],
    [
      "300-character string",
      (w) => {
        w.writeStartElement("", "e");
        w.writeString("x".repeat(300));
      },
      `40 01 65 9a 2c 01 ${Array(300).fill("78").join(" ")} 01`,
    ],
    [
      "comment",
      (w) => {
        w.writeStartElement("", "e");
        w.writeComment("hi");
      },
      "40 01 65 02 02 68 69 01",
    ],
  ];
  for (const [name, body, expected] of MONO) {
    it(name, () => {
      const w = new BinaryXmlWriter();
      body(w);
      expect(toHex(w.toBytes())).toBe(expected);
    });
  }
});

// .NET writes through a 512-byte buffer; a flush after a text record's type
// byte cancels the *WithEndElement fusion. Bytes checked against Mono.
describe("fusion follows .NET's 512-byte buffer", () => {
  const el = (fn: (w: BinaryXmlWriter) => void) => {
    const w = new BinaryXmlWriter();
    w.writeStartElement("", "a");
    fn(w);
    return toHex(w.toBytes());
  };
  const xs = (n: number, b = "78") => Array(n).fill(b).join(" ");

  it("169-character text still fits: fused; 170 does not: plain EndElement", () => {
    expect(el((w) => w.writeString("x".repeat(169)))).toBe(`40 01 61 99 a9 ${xs(169)}`);
    expect(el((w) => w.writeString("x".repeat(170)))).toBe(`40 01 61 98 aa ${xs(170)} 01`);
  });

  it("base64 split across calls, around the buffer boundary", () => {
    const seven = (n: number) => new Uint8Array(n).fill(7);
    const two = Uint8Array.of(1, 2);
    expect(
      el((w) => {
        w.writeBase64(seven(509));
        w.writeBase64(two);
      }),
    ).toBe(`40 01 61 a0 fb 01 ${xs(507, "07")} 9e 03 07 07 01 9f 01 02`);
    expect(
      el((w) => {
        w.writeBase64(seven(510));
        w.writeBase64(two);
      }),
    ).toBe(`40 01 61 a0 fe 01 ${xs(510, "07")} 9f 02 01 02`);
    expect(
      el((w) => {
        w.writeBase64(seven(511));
        w.writeBase64(two);
      }),
    ).toBe(`40 01 61 a0 fe 01 ${xs(510, "07")} 9f 03 07 01 02`);
  });
});

describe("TextXmlWriter base64 grouping (as Mono's text writer)", () => {
  it("joins calls in whole 3-byte groups and pads only at the next node", () => {
    const t = new TextXmlWriter();
    t.writeStartElement("", "a");
    t.writeBase64(Uint8Array.of(1, 2));
    t.writeBase64(Uint8Array.of(3, 4));
    t.writeString("");
    t.writeBase64(Uint8Array.of(5));
    t.writeEndElement();
    // One stream "AQIDBAU=": [1,2,3] then [4,5] padded.
    expect(t.toString()).toBe("<a>AQIDBAU=</a>");
  });
});
