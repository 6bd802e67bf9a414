#!/usr/bin/env node
// prch-resolver: the custom resolver service. Exit codes: 0 after a graceful stop, 1 when it
// cannot start, 2 for a bad command line.
import { parseConfig, startApp, USAGE, UsageError } from "./app.js";

const io = {
  stdout: (line: string) => process.stdout.write(`${line}\n`),
  stderr: (line: string) => process.stderr.write(`${line}\n`),
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(USAGE);
    return;
  }
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`prch-resolver: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, io);
  } catch (e) {
    io.stderr(
      JSON.stringify({
        time: new Date().toISOString(),
        level: "error",
        msg: "cannot start",
        error: String(e),
      }),
    );
    process.exitCode = 1;
    return;
  }
  const onSignal = (signal: NodeJS.Signals) => {
    io.stdout(
      JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "signal", signal }),
    );
    app.stop().then(
      () => {
        process.exitCode = 0;
      },
      (e: unknown) => {
        io.stderr(JSON.stringify({ level: "error", msg: "stop failed", error: String(e) }));
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

void main();
