// Every record the §3.1.1.2 grammar does not allow, at every point of every
// mode, in both roles, must close the session; a receiver that may send
// faults (Singleton Unsized, Duplex, or before the mode is known) answers
// InvalidRecordSequence, and a Fault record is never answered (§3.1.4.2).
import { describe, expect, it } from "vitest";
import {
  encodeRecord,
  FaultName,
  faultUri,
  Mode,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
  type NmfSession,
} from "../src/index.js";

/** One sample of each record type (and a reserved type), keyed by name. */
const SAMPLE: Record<string, Uint8Array> = {
  version: Uint8Array.of(0x00, 0x01, 0x00),
  mode: Uint8Array.of(0x01, 0x02),
  via: encodeRecord({ type: "via", via: "net.tcp://h/" }),
  knownEncoding: Uint8Array.of(0x03, 0x08),
  extensibleEncoding: encodeRecord({ type: "extensibleEncoding", contentType: "a/b" }),
  unsizedEnvelope: Uint8Array.of(0x05, 0x01, 0x41, 0x00),
  sizedEnvelope: Uint8Array.of(0x06, 0x01, 0x41),
  end: Uint8Array.of(0x07),
  fault: encodeRecord({ type: "fault", fault: faultUri(FaultName.ServerTooBusy) }),
  upgradeRequest: encodeRecord({ type: "upgradeRequest", protocol: "application/ssl-tls" }),
  upgradeResponse: Uint8Array.of(0x0a),
  preambleAck: Uint8Array.of(0x0b),
  preambleEnd: Uint8Array.of(0x0c),
  reserved0D: Uint8Array.of(0x0d),
  reservedFF: Uint8Array.of(0xff),
};
const ALL = Object.keys(SAMPLE);

const INVALID_SEQUENCE = encodeRecord({
  type: "fault",
  fault: faultUri(FaultName.InvalidRecordSequence),
});

interface Step {
  /** Records (by SAMPLE name) valid at this point. */
  allowed: string[];
  /** The valid record fed to move on to the next step (absent for the last step). */
  next?: Uint8Array;
}

const modeRecord = (m: Mode) => Uint8Array.of(0x01, m);

/** Initiating streams, step by step, as a receiver reads them (§3.1.1.2 *Stream-a). */
function receiverSteps(mode: Mode): Step[] {
  const preamble: Step[] = [
    { allowed: ["version"], next: SAMPLE.version! },
    // Other mode values are refused with UnsupportedMode, not a sequence fault.
    { allowed: ["mode"], next: modeRecord(mode) },
    { allowed: ["via"], next: SAMPLE.via! },
    { allowed: ["knownEncoding", "extensibleEncoding"], next: Uint8Array.of(0x03, 0x03) },
  ];
  switch (mode) {
    case Mode.Duplex:
      return [
        ...preamble,
        // An Upgrade Request is in sequence here (refused with UpgradeInvalid).
        { allowed: ["upgradeRequest", "preambleEnd"], next: SAMPLE.preambleEnd! },
        { allowed: ["sizedEnvelope", "end"], next: SAMPLE.sizedEnvelope! },
        { allowed: ["sizedEnvelope", "end"], next: SAMPLE.end! },
        { allowed: [] },
      ];
    case Mode.SingletonUnsized:
      return [
        ...preamble,
        { allowed: ["upgradeRequest", "preambleEnd"], next: SAMPLE.preambleEnd! },
        { allowed: ["unsizedEnvelope"], next: SAMPLE.unsizedEnvelope! },
        { allowed: ["end"], next: SAMPLE.end! },
        { allowed: [] },
      ];
    case Mode.Simplex:
      return [
        ...preamble,
        { allowed: ["preambleEnd"], next: SAMPLE.preambleEnd! },
        { allowed: ["sizedEnvelope", "end"], next: SAMPLE.sizedEnvelope! },
        { allowed: ["sizedEnvelope", "end"] },
      ];
    case Mode.SingletonSized:
      // After the encoding every octet is message: nothing is out of order.
      return preamble.slice(0, 4).map((s, i) => (i === 3 ? { allowed: s.allowed } : s));
  }
}

/** Responding streams as an initiator reads them (§3.1.1.2 *Stream-b). */
function initiatorSteps(mode: Mode, upgrade: boolean): Step[] {
  switch (mode) {
    case Mode.Duplex:
      return [
        ...(upgrade ? [{ allowed: ["upgradeResponse"], next: SAMPLE.upgradeResponse! }] : []),
        { allowed: ["preambleAck"], next: SAMPLE.preambleAck! },
        { allowed: ["sizedEnvelope", "end"], next: SAMPLE.sizedEnvelope! },
        { allowed: ["sizedEnvelope", "end"], next: SAMPLE.end! },
        { allowed: [] },
      ];
    case Mode.SingletonUnsized:
      return [
        ...(upgrade ? [{ allowed: ["upgradeResponse"], next: SAMPLE.upgradeResponse! }] : []),
        { allowed: ["preambleAck"], next: SAMPLE.preambleAck! },
        { allowed: ["unsizedEnvelope", "end"], next: SAMPLE.unsizedEnvelope! },
        { allowed: ["end"], next: SAMPLE.end! },
        { allowed: [] },
      ];
    default:
      // Simplex and Singleton Sized have no responding stream at all.
      return [{ allowed: [] }];
  }
}

const MODES: [string, Mode][] = [
  ["singleton-unsized", Mode.SingletonUnsized],
  ["duplex", Mode.Duplex],
  ["simplex", Mode.Simplex],
  ["singleton-sized", Mode.SingletonSized],
];

interface Case {
  name: string;
  make: () => NmfSession;
  steps: Step[];
  /** Whether the session answers an out-of-order record with a fault at step i. */
  faults: (step: number) => boolean;
}

const cases: Case[] = [];
for (const [name, mode] of MODES) {
  cases.push({
    name: `receiver, ${name}`,
    make: () => new NmfReceiver(),
    steps: receiverSteps(mode),
    faults: (step) => step < 2 || mode === Mode.Duplex || mode === Mode.SingletonUnsized,
  });
  for (const upgrade of mode === Mode.Duplex || mode === Mode.SingletonUnsized
    ? [false, true]
    : [false]) {
    cases.push({
      name: `initiator, ${name}${upgrade ? ", with an upgrade" : ""}`,
      make: () => {
        const s = new NmfInitiator({
          mode,
          via: "net.tcp://h/",
          encoding: 3,
          ...(upgrade ? { upgrades: ["application/ssl-tls"] } : {}),
        });
        s.start();
        s.takeOutput();
        return s;
      },
      steps: initiatorSteps(mode, upgrade),
      faults: () => false,
    });
  }
}

/** Feeds `bytes`, completing any upgrade at once as a real caller would after TLS. */
function feed(s: NmfSession, bytes: Uint8Array): NmfEvent[] {
  const events = s.receive(bytes);
  if (events.some((e) => e.type === "upgradeAccepted" || e.type === "upgradeRequested")) {
    events.push(...s.upgradeComplete());
  }
  return events;
}

describe("invalid record order closes the session with the right fault", () => {
  for (const c of cases) {
    describe(c.name, () => {
      const rows: [number, string][] = [];
      c.steps.forEach((step, i) => {
        for (const rec of ALL) if (!step.allowed.includes(rec)) rows.push([i, rec]);
      });
      it.each(rows)("step %i: %s", (stepIndex, rec) => {
        const s = c.make();
        for (let i = 0; i < stepIndex; i++) {
          const events = feed(s, c.steps[i]!.next!);
          expect(events.filter((e) => e.type === "error" || e.type === "closed")).toEqual([]);
        }
        s.takeOutput();
        const events = s.receive(SAMPLE[rec]!);
        expect(events.at(-1)).toEqual({ type: "closed", clean: false });
        expect(s.closed).toBe(true);
        const out = s.takeOutput();
        if (rec === "fault") {
          // §3.1.4.2: an unexpected Fault is reported, never answered.
          expect(events).toEqual([
            { type: "fault", fault: faultUri(FaultName.ServerTooBusy) },
            { type: "closed", clean: false },
          ]);
          expect(out.length).toBe(0);
          return;
        }
        const error = events.find((e) => e.type === "error");
        expect(error?.type === "error" && error.error.code).toBe(
          rec.startsWith("reserved") ? "unknown-record-type" : "invalid-record-sequence",
        );
        if (c.faults(stepIndex)) {
          expect(Buffer.from(out).toString("hex")).toBe(
            Buffer.from(INVALID_SEQUENCE).toString("hex"),
          );
        } else {
          expect(out.length).toBe(0);
        }
        // Nothing more happens once closed.
        expect(s.receive(SAMPLE.end!)).toEqual([]);
      });
    });
  }

  it("covers every case with at least one row", () => {
    expect(cases).toHaveLength(10);
  });
});
