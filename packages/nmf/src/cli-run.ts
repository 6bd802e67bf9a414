import { isKnownEncoding } from "./encodings.js";
import { type InspectOptions, inspectStream } from "./inspect.js";

/** What the CLI needs from its environment (injected so it can be run in-process). */
export interface CliIo {
  readFile(path: string): Uint8Array;
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: prch-nmf decode [--max-message-size N] [--encoding E] FILE
  Walks one direction of a captured net.tcp (MC-NMF) byte stream and prints
  each record, with envelopes decoded to XML. --encoding gives the known
  encoding (e.g. 0x08) for a receiver-to-initiator stream, which has no
  encoding record. Exit status: 0 ok, 1 usage or I/O error, 2 malformed
  input (the records read so far, then the error).`;

/**
 * Runs `prch-nmf` with the given arguments; returns the exit status.
 * `options` lets callers plug in an envelope renderer (e.g. MC-NBFSE).
 */
export function runCli(args: readonly string[], io: CliIo, options: InspectOptions = {}): number {
  const [command, ...rest] = args;
  if (command !== "decode") {
    io.err(USAGE);
    return 1;
  }
  let file: string | undefined;
  const opts: InspectOptions = { ...options };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--max-message-size") {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n < 1) {
        io.err("--max-message-size needs a positive integer");
        return 1;
      }
      opts.maxMessageSize = n;
    } else if (a === "--encoding") {
      const text = rest[++i] ?? "";
      const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : Number(text);
      if (!isKnownEncoding(n)) {
        io.err("--encoding needs a known encoding, 0x00-0x08");
        return 1;
      }
      opts.encoding = n;
    } else if (a.startsWith("-") && a !== "-") {
      io.err(`unknown option ${a}\n${USAGE}`);
      return 1;
    } else if (file === undefined) {
      file = a;
    } else {
      io.err(USAGE);
      return 1;
    }
  }
  if (file === undefined) {
    io.err(USAGE);
    return 1;
  }
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(file);
  } catch (e) {
    io.err(`prch-nmf: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const result = inspectStream(bytes, opts);
  for (const line of result.lines) io.out(line);
  if (result.error) {
    const e = result.error;
    io.err(
      `error at offset ${e.offset ?? "?"}: ${e.code}: ${e.message.replace(/\s*\(at offset \d+\)$/, "")}`,
    );
    return 2;
  }
  return 0;
}
