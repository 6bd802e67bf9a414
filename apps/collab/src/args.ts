import { parseArgs } from "node:util";

/** What to do with invitations without asking. */
export type AutoAnswer = "ask" | "accept" | "decline" | "ignore";

/** Command-line options of prch-collab. */
export interface CollabArgs {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly identity: string | undefined;
  readonly contacts: string | undefined;
  readonly group: string;
  readonly pnmPort: number;
  readonly iface: string | undefined;
  readonly interval: number;
  readonly app: string;
  readonly auto: AutoAnswer;
}

export const USAGE = `usage: prch-collab --name NAME [options]

  --name NAME         your display name (required)
  --host ADDRESS      address to listen on and announce (default 127.0.0.1)
  --port N            collaboration port (default: any)
  --identity FILE     keep your certificate and key in FILE (made on first use);
                      default: a new identity for this run
  --contacts FILE     contacts file (default: ~/.config/prch/contacts.json)
  --group ADDRESS     People Near Me multicast group (default 239.255.80.67)
  --pnm-port N        People Near Me UDP port (default 47830)
  --iface ADDRESS     local IPv4 address of the interface for multicast (default --host)
  --interval MS       announcement interval (default 10000)
  --app ID            application id of the chat (default prch.collab.chat)
  --auto MODE         answer invitations: ask (default), accept, decline or ignore

commands (one per line on stdin):
  nearby                         people near you
  request NAME [message]         ask NAME to host a session
  host                           host a new session
  invite NAME [message]          invite NAME to the hosted session
  wait MS                        wait for answers, at most MS
  invitations                    answers so far
  cancel                         cancel unanswered invitations
  start                          start the session (those who accepted join)
  accept | decline               answer the latest invitation
  say TEXT  (or any other line)  chat in the session
  status STATE [note]            online, away, busy or offline
  subscribe NAME                 follow NAME's presence
  card                           print your signed contact card
  import FILE                    import a contact card
  contacts                       list contacts
  quit
`;

function int(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be ${min}–${max}`);
  return n;
}

/** Parses argv (without node and script); throws with a message on errors. */
export function parseCollabArgs(argv: readonly string[]): CollabArgs {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      name: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      identity: { type: "string" },
      contacts: { type: "string" },
      group: { type: "string", default: "239.255.80.67" },
      "pnm-port": { type: "string", default: "47830" },
      iface: { type: "string" },
      interval: { type: "string", default: "10000" },
      app: { type: "string", default: "prch.collab.chat" },
      auto: { type: "string", default: "ask" },
    },
    strict: true,
  });
  if (!values.name) throw new Error("--name is required");
  const auto = values.auto as AutoAnswer;
  if (!["ask", "accept", "decline", "ignore"].includes(auto)) {
    throw new Error("--auto must be ask, accept, decline or ignore");
  }
  const iface = values.iface ?? (values.host === "0.0.0.0" ? undefined : values.host);
  return {
    name: values.name,
    host: values.host,
    port: int(values.port, "--port", 0, 65535),
    identity: values.identity,
    contacts: values.contacts,
    group: values.group,
    pnmPort: int(values["pnm-port"], "--pnm-port", 1, 65535),
    iface,
    interval: int(values.interval, "--interval", 100, 3_600_000),
    app: values.app,
    auto,
  };
}
