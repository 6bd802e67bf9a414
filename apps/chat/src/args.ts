import { parseArgs } from "node:util";

/** Command-line options of prch-chat. */
export interface ChatArgs {
  readonly mesh: string;
  readonly name: string;
  readonly resolver: string | undefined;
  readonly password: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly ca: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly linger: number;
  readonly quiet: boolean;
  /** Maintenance period, ms (Windows: 5 min); also shortens the retry while alone. */
  readonly maintenance: number | undefined;
}

export const USAGE = `usage: prch-chat --mesh NAME --name NAME [options]

  --mesh NAME         mesh to join (default "demo")
  --name NAME         your name in the chat (default: $USER)
  --resolver URI      net.tcp address of an MC-PRCR resolver; default: find or start
                      an embedded one at net.tcp://127.0.0.1:8089/resolver
  --password TEXT     password mesh (TLS + PeerHashToken)
  --cert FILE --key FILE [--ca FILE]
                      certificate mesh: this node's PEM certificate and key, and the
                      CA that all members' certificates chain to (default: --cert)
  --host ADDRESS      address to listen on and publish (default 127.0.0.1)
  --port N            port to listen on (default: any)
  --linger MS         after stdin ends, wait this long before leaving (default 1500)
  --quiet             no status lines on stderr
  --maintenance MS    maintenance period (default 300000, Windows' 5 minutes)
`;

/** Parses argv (without node and script); throws with a usage message on errors. */
export function parseChatArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ChatArgs {
  // `pnpm chat -- --name x` passes the `--` through; it separates nothing here.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      mesh: { type: "string", default: "demo" },
      name: { type: "string" },
      resolver: { type: "string" },
      password: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      ca: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      linger: { type: "string", default: "1500" },
      quiet: { type: "boolean", default: false },
      maintenance: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const port = Number(values.port);
  const linger = Number(values.linger);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port\n${USAGE}`);
  if (!Number.isFinite(linger) || linger < 0) throw new Error(`bad --linger\n${USAGE}`);
  const maintenance = values.maintenance === undefined ? undefined : Number(values.maintenance);
  if (maintenance !== undefined && (!Number.isInteger(maintenance) || maintenance < 100)) {
    throw new Error(`bad --maintenance (milliseconds, at least 100)\n${USAGE}`);
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new Error(`--cert and --key go together\n${USAGE}`);
  }
  if (values.password !== undefined && values.cert !== undefined) {
    throw new Error(`choose --password or --cert, not both\n${USAGE}`);
  }
  return {
    mesh: values.mesh!,
    name: values.name ?? env.USER ?? "anonymous",
    resolver: values.resolver,
    password: values.password,
    cert: values.cert,
    key: values.key,
    ca: values.ca,
    host: values.host!,
    port,
    linger,
    quiet: values.quiet!,
    maintenance,
  };
}
