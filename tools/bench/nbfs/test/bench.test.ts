import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinaryXmlReader, binaryToText } from "@prch/nbfs";
import { afterAll, describe, expect, it } from "vitest";
import {
  LARGE_ITEMS,
  nbfsCases,
  nbfsFixture,
  runNbfsBench,
  SAXES,
  SMALL_ITEMS,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "prch-bench-nbfs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Envelope, Header, 4 headers, Address, Body, SubmitOrder, order, then 5 per line.
const elements = (items: number) => 10 + 5 * items;

describe("nbfs benchmark cases", () => {
  it.each([
    { items: SMALL_ITEMS, min: 900, max: 1300 },
    { items: LARGE_ITEMS, min: 60_000, max: 70_000 },
  ])(
    "$items lines: the message has the intended size and every case does its whole job",
    ({ items, min, max }) => {
      const f = nbfsFixture(items);
      expect(f.binary.length).toBeGreaterThanOrEqual(min);
      expect(f.binary.length).toBeLessThanOrEqual(max);
      // The text form is the same infoset, so both parsers see the same elements.
      expect(f.saxes()).toBe(elements(items));
      expect(f.decode()).toBe(elements(items));
      expect(f.decodeValues()).toBe(elements(items));
      expect(f.encode()).toBe(f.binary.length);
      expect(f.encodePooled()).toBe(f.binary.length);
      expect(f.encodePooled()).toBe(f.binary.length);
      // And the binary decodes to the text that saxes is given (modulo empty-element form).
      const quotas = { maxDocumentSize: 1 << 24, maxBytesPerRead: 1 << 24 };
      expect(binaryToText(f.binary, { deferNamespaceDeclarations: true, quotas })).toBe(f.text);
      const r = new BinaryXmlReader(f.binary, { quotas });
      r.moveToContent();
      expect(r.localName).toBe("Envelope");
      expect(nbfsCases(f).map((c) => c.name)[0]).toBe(SAXES);
    },
  );

  it("runs every case through the harness and writes a report", async () => {
    const printed: string[] = [];
    const jsonPath = join(dir, "nbfs.json");
    const report = await runNbfsBench({
      sizes: [SMALL_ITEMS],
      harness: { warmupMs: 5, samples: 2, sampleMs: 5, jsonPath, print: (t) => printed.push(t) },
    });
    expect(report.results.map((r) => r.name)).toEqual([
      SAXES,
      "nbfs decode (nodes)",
      "nbfs decode + every value",
      "nbfs encode",
      "nbfs encode, pooled writer",
    ]);
    for (const r of report.results) {
      expect(r.opsPerSec.median).toBeGreaterThan(0);
      expect(r.mbPerSec?.median).toBeGreaterThan(0);
    }
    expect(report.results[0]?.ratio).toBe(1);
    expect(JSON.parse(readFileSync(jsonPath, "utf8")).suite).toBe("nbfs-codec");
    expect(printed.join("\n")).toContain("nbfs encode");
  });
});
