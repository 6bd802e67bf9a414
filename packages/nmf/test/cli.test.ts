import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeRecord, encodeRecords, inspectStream, runCli } from "../src/index.js";
import * as v41 from "./vectors/duplex-4.1.js";

const dir = mkdtempSync(join(tmpdir(), "prch-nmf-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const XML_41 = (text: string) =>
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">' +
  '<s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/IOneWayContract/Execute</a:Action>' +
  '<a:To s:mustUnderstand="1">net.tcp://SampleServer/SampleApp/</a:To></s:Header>' +
  `<s:Body><Execute xmlns="http://tempuri.org/"><sendString>${text}</sendString></Execute></s:Body></s:Envelope>`;

function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(args, {
    readFile: (p) => new Uint8Array(readFileSync(p)),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out, err };
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("prch-nmf decode", () => {
  it("walks the §4.1 initiator stream", () => {
    const { code, out, err } = run(["decode", file("a.bin", v41.STREAM_A)]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const records = out.filter((l) => l.startsWith("@"));
    expect(records).toEqual([
      "@0      Version 1.0",
      "@3      Mode duplex (0x02)",
      `@5      Via ${v41.VIA}`,
      "@40     KnownEncoding 0x08 soap12-binary-session",
      "@42     PreambleEnd",
      "@43     SizedEnvelope 170 octets",
      "@216    End",
    ]);
    // The envelope, decoded with its MC-NBFSE StringTable (ids 1, 3, 5, 7, 9).
    expect(out[out.indexOf("@43     SizedEnvelope 170 octets") + 1]).toBe(
      `        ${XML_41("Test message1")}`,
    );
  });

  it("carries NBFSE session strings from envelope to envelope", () => {
    // Two envelopes in one direction: the second reuses the first's strings.
    const second = encodeRecord({ type: "sizedEnvelope", payload: v41.PAYLOAD_2 });
    const wire = Uint8Array.from([...v41.STREAM_A.subarray(0, -1), ...second, 0x07]);
    const { lines, error } = inspectStream(wire);
    expect(error).toBeUndefined();
    expect(lines.filter((l) => l.startsWith("        <"))).toEqual([
      `        ${XML_41("Test message1")}`,
      `        ${XML_41("Test message2")}`,
    ]);
  });

  it("walks the §4.1 receiver stream", () => {
    const { code, out } = run(["decode", "--encoding", "0x08", file("b.bin", v41.STREAM_B)]);
    expect(code).toBe(0);
    expect(out.filter((l) => l.startsWith("@"))).toEqual([
      "@0      PreambleAck",
      "@1      SizedEnvelope 54 octets",
      "@57     End",
    ]);
    // The §4.1 reply uses ids 1–9 with an empty StringTable, i.e. strings the
    // *initiator* defined. Each direction has its own session dictionary
    // (MC-NBFSE §2, WCF's reader/writer sessions), so read alone it cannot
    // resolve them: the example is inconsistent; we show why and the hex.
    const body = out[out.indexOf("@1      SizedEnvelope 54 octets") + 1]!;
    expect(body).toMatch(/^ {8}\(cannot convert the envelope: .*\b1\b/);
    expect(out[out.indexOf("@1      SizedEnvelope 54 octets") + 2]).toMatch(
      /^ {8}000000 {2}00 56 02 0b/,
    );
  });

  it("prints text envelopes as text and unsized chunks", () => {
    const wire = encodeRecords([
      { type: "version", major: 1, minor: 0 },
      { type: "mode", mode: 1 },
      { type: "via", via: "net.tcp://h/" },
      { type: "knownEncoding", encoding: 3 },
      { type: "preambleEnd" },
      { type: "unsizedEnvelope", payload: new TextEncoder().encode("<a>hi</a>"), chunkSize: 4 },
      { type: "end" },
    ]);
    const { lines, error } = inspectStream(wire);
    expect(error).toBeUndefined();
    expect(lines.slice(5)).toEqual([
      "@22     UnsizedEnvelope",
      "@23       DataChunk 4 octets",
      "@28       DataChunk 4 octets",
      "@33       DataChunk 1 octets",
      "@35       Terminator",
      "        <a>hi</a>",
      "@36     End",
    ]);
  });

  it("stops at an upgrade and shows the message of a singleton-sized stream", () => {
    const up = inspectStream(
      Uint8Array.from([...encodeRecords([{ type: "upgradeResponse" }]), 0x16, 0x03, 0x01]),
    );
    expect(up.lines).toEqual([
      "@0      UpgradeResponse",
      "@1      (3 octets of the upgraded stream, not decoded)",
    ]);
    const sized = inspectStream(
      Uint8Array.from([
        ...encodeRecords([
          { type: "version", major: 1, minor: 0 },
          { type: "mode", mode: 4 },
          { type: "via", via: "net.tcp://h/" },
          { type: "knownEncoding", encoding: 3 },
        ]),
        ...new TextEncoder().encode("<x/>"),
      ]),
    );
    expect(sized.error).toBeUndefined();
    expect(sized.lines.slice(-2)).toEqual(["@21     Message 4 octets", "        <x/>"]);
  });

  it("reports malformed input after the records read so far, with exit code 2", () => {
    const bad = Uint8Array.from([...v41.PREAMBLE, 0x0c, 0x06, 0x80, 0x00]);
    const { code, out, err } = run(["decode", file("bad.bin", bad)]);
    expect(code).toBe(2);
    expect(out.filter((l) => l.startsWith("@"))).toHaveLength(5);
    expect(err).toEqual([
      "error at offset 45: size-overlong: record size uses an overlong encoding",
    ]);
    const cut = run(["decode", file("cut.bin", v41.STREAM_A.subarray(0, 100))]);
    expect(cut.code).toBe(2);
    expect(cut.err[0]).toMatch(/^error at offset 100: unexpected-eof/);
  });

  it("reports records out of the §3.1.1.2 order, after the records before them", () => {
    const early = run(["decode", file("seq-a.bin", Uint8Array.of(0, 1, 0, 1, 2, 0x0c))]);
    expect(early.code).toBe(2);
    expect(early.out).toEqual(["@0      Version 1.0", "@3      Mode duplex (0x02)"]);
    expect(early.err[0]).toMatch(
      /^error at offset 5: invalid-record-sequence: unexpected preambleEnd/,
    );

    const twice = run(["decode", file("seq-b.bin", Uint8Array.of(0x0b, 0x06, 0x01, 0x41, 0x0b))]);
    expect(twice.code).toBe(2);
    expect(twice.out.filter((l) => l.startsWith("@"))).toEqual([
      "@0      PreambleAck",
      "@1      SizedEnvelope 1 octets",
    ]);
    expect(twice.err[0]).toMatch(/^error at offset 4: invalid-record-sequence/);

    const mode = inspectStream(Uint8Array.of(0, 1, 0, 1, 7));
    expect(mode.error?.code).toBe("unsupported-mode");
    expect(mode.error?.offset).toBe(3);
  });

  it("follows a pooled connection from one session to the next", () => {
    const session = encodeRecords([
      { type: "version", major: 1, minor: 0 },
      { type: "mode", mode: 2 },
      { type: "via", via: "net.tcp://h/" },
      { type: "knownEncoding", encoding: 3 },
      { type: "preambleEnd" },
      { type: "end" },
    ]);
    const two = inspectStream(Uint8Array.from([...session, ...session]));
    expect(two.error).toBeUndefined();
    expect(two.lines.filter((l) => l.includes("Version"))).toHaveLength(2);
    const broken = inspectStream(Uint8Array.from([...session, ...session.subarray(0, 3), 0x07]));
    expect(broken.error?.code).toBe("invalid-record-sequence");
    expect(broken.error?.offset).toBe(session.length + 3);
  });

  it("enforces the message size limit, raisable by option", () => {
    const path = file("a2.bin", v41.STREAM_A);
    expect(run(["decode", "--max-message-size", "100", path]).code).toBe(2);
    expect(run(["decode", "--max-message-size", "170", path]).code).toBe(0);
  });

  it("rejects bad usage with exit code 1", () => {
    expect(run([]).code).toBe(1);
    expect(run(["decode"]).code).toBe(1);
    expect(run(["decode", "--nope", "x"]).code).toBe(1);
    expect(run(["decode", "--encoding", "0x09", "x"]).code).toBe(1);
    expect(run(["decode", join(dir, "missing.bin")]).code).toBe(1);
  });
});
