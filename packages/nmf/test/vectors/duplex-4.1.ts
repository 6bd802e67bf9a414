// MC-NMF §4.1 duplex example, as transcribed byte-for-byte in specs/README.md
// ("Reading notes"): Via net.tcp://SampleServer/SampleApp/, encoding 0x08.

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

export const VIA = "net.tcp://SampleServer/SampleApp/";

/** Initiator preamble: Version 1.0, Mode Duplex, Via, Known Encoding 0x08. */
export const PREAMBLE = Uint8Array.from([
  0x00,
  0x01,
  0x00,
  0x01,
  0x02,
  0x02,
  0x21,
  ...ascii(VIA),
  0x03,
  0x08,
]);
export const PREAMBLE_END = Uint8Array.of(0x0c);
export const PREAMBLE_ACK = Uint8Array.of(0x0b);
export const END = Uint8Array.of(0x07);

const STRINGS = [
  "http://tempuri.org/IOneWayContract/Execute",
  "net.tcp://SampleServer/SampleApp/",
  "Execute",
  "http://tempuri.org/",
  "sendString",
];

function document(text: string): number[] {
  return [
    0x56,
    0x02,
    0x0b,
    0x01,
    0x73,
    0x04,
    0x0b,
    0x01,
    0x61,
    0x06,
    0x56,
    0x08,
    0x44,
    0x0a,
    0x1e,
    0x00,
    0x82,
    0xab,
    0x01,
    0x44,
    0x0c,
    0x1e,
    0x00,
    0x82,
    0xab,
    0x03,
    0x01,
    0x56,
    0x0e,
    0x42,
    0x05,
    0x0a,
    0x07,
    0x42,
    0x09,
    0x99,
    0x0d,
    ...ascii(text),
    0x01,
    0x01,
    0x01,
  ];
}

/** Envelope 1 payload: StringTable (116 bytes, ids 1,3,5,7,9) then the NBFS document. */
export const PAYLOAD_1 = Uint8Array.from([
  0x74,
  ...STRINGS.flatMap((s) => [s.length, ...ascii(s)]),
  ...document("Test message1"),
]);
/** Envelope 2 payload: an empty StringTable then the same document. */
export const PAYLOAD_2 = Uint8Array.from([0x00, ...document("Test message2")]);

/** Sized Envelope records as sent: `06 AA 01 …` and `06 36 …`. */
export const ENVELOPE_1 = Uint8Array.from([0x06, 0xaa, 0x01, ...PAYLOAD_1]);
export const ENVELOPE_2 = Uint8Array.from([0x06, 0x36, ...PAYLOAD_2]);

/** The whole initiator → receiver stream. */
export const STREAM_A = Uint8Array.from([...PREAMBLE, ...PREAMBLE_END, ...ENVELOPE_1, ...END]);
/** The whole receiver → initiator stream. */
export const STREAM_B = Uint8Array.from([...PREAMBLE_ACK, ...ENVELOPE_2, ...END]);
