#!/usr/bin/env node
// prch-nmf: command-line tools for MC-NMF captures. The library itself does
// no I/O; this file is the only place that touches the file system.
import { readFileSync } from "node:fs";
import { runCli } from "./cli-run.js";

process.exitCode = runCli(process.argv.slice(2), {
  readFile: (path) => new Uint8Array(readFileSync(path)),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
