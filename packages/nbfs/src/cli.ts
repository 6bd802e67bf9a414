#!/usr/bin/env node
// prch-nbfs: converts between .NET Binary XML and XML text, for reading
// captured WCF traffic. stdin → stdout; malformed input exits with code 2.
import { readFileSync, writeSync } from "node:fs";
import type { StringDictionary } from "./api.js";
import { binaryToText, textToBinary } from "./bridge.js";
import { dumpRecords } from "./dump.js";
import { NbfsError } from "./errors.js";
import { MAX_QUOTAS } from "./quotas.js";
import { SessionDictionary } from "./session.js";

const USAGE = `usage: prch-nbfs decode|encode|dump [--nbfx|--nbfs|--nbfse] [--hex] [--keep-whitespace]

  decode   binary on stdin → XML text on stdout
  encode   XML text on stdin → binary on stdout
  dump     binary on stdin → one line per node: offset, record type, meaning
  --nbfs   MC-NBFS static dictionary (default)
  --nbfx   no dictionary; decode shows dictionary ids as strN
  --nbfse  document preceded by an MC-NBFSE StringTable; encode puts names
           missing from the static dictionary into it
  --hex    binary side as hex text (whitespace ignored on input)
  --keep-whitespace  encode: keep whitespace-only text (dropped by default)`;

/** Dictionary ids shown as "strN", the notation of MC-NBFX §3. */
const PLACEHOLDERS: StringDictionary = {
  get: (id) => `str${id}`,
  idOf: (value) => {
    const m = /^str(\d+)$/.exec(value);
    return m ? Number(m[1]) : undefined;
  },
};

function fail(message: string, code: number): never {
  process.stderr.write(`prch-nbfs: ${message}\n`);
  process.exit(code);
}

function parseHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) fail("input is not hex", 2);
  return Uint8Array.from(Buffer.from(clean, "hex"));
}

function writeAll(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(1, bytes, off, bytes.length - off);
}

function main(argv: string[]): void {
  const command = argv[0];
  const flags = new Set(argv.slice(1));
  for (const f of flags) {
    if (!["--nbfx", "--nbfs", "--nbfse", "--hex", "--keep-whitespace"].includes(f)) {
      fail(`unknown option ${f}\n${USAGE}`, 64);
    }
  }
  const modes = ["--nbfx", "--nbfs", "--nbfse"].filter((m) => flags.has(m));
  if (modes.length > 1) fail("choose one of --nbfx, --nbfs, --nbfse", 64);
  const mode = modes[0] ?? "--nbfs";
  const hexIo = flags.has("--hex");
  const input = readFileSync(0);
  // Captures are trusted local files: lift the size and depth limits.
  const quotas = MAX_QUOTAS;
  if (command === "decode" || command === "dump") {
    const bytes = hexIo ? parseHex(input.toString("latin1")) : new Uint8Array(input);
    const options = {
      quotas,
      ...(mode === "--nbfx" ? { dictionary: PLACEHOLDERS } : {}),
      ...(mode === "--nbfse" ? { session: new SessionDictionary() } : {}),
    };
    const text = command === "dump" ? dumpRecords(bytes, options) : binaryToText(bytes, options);
    writeSync(1, `${text}\n`);
  } else if (command === "encode") {
    const bytes = textToBinary(input.toString("utf8"), {
      quotas,
      ignoreWhitespace: !flags.has("--keep-whitespace"),
      lookupStrings: mode !== "--nbfx",
      ...(mode === "--nbfx" ? { dictionary: null } : {}),
      ...(mode === "--nbfse" ? { session: new SessionDictionary() } : {}),
    });
    if (hexIo) writeSync(1, `${Buffer.from(bytes).toString("hex")}\n`);
    else writeAll(bytes);
  } else {
    fail(USAGE, 64);
  }
}

try {
  main(process.argv.slice(2));
} catch (e) {
  if (e instanceof NbfsError) {
    const where = e.offset >= 0 ? ` at offset ${e.offset}` : "";
    fail(`${e.code}${where}: ${e.message.replace(/\s*\(at offset \d+\)$/, "")}`, 2);
  }
  throw e;
}
