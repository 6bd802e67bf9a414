import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { type NodeSecurityOptions, PeerNode } from "@prch/node";
import { CertificateValidator, loadPemIdentity } from "@prch/security";
import { type ChatArgs, parseChatArgs } from "./args.js";
import { findOrStartResolver } from "./embedded.js";

function securityOf(a: ChatArgs): NodeSecurityOptions {
  if (a.password !== undefined) return { mode: "password", password: a.password };
  if (a.cert !== undefined && a.key !== undefined) {
    const identity = loadPemIdentity(readFileSync(a.cert, "utf8"), readFileSync(a.key, "utf8"));
    const roots = [readFileSync(a.ca ?? a.cert, "utf8")];
    return { mode: "certificate", identity, validator: new CertificateValidator({ roots }) };
  }
  return { mode: "none" };
}

async function main(): Promise<number> {
  let args: ChatArgs;
  try {
    args = parseChatArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const status = (line: string) => {
    if (!args.quiet) process.stderr.write(`* ${line}\n`);
  };
  const embedded = args.resolver === undefined ? await findOrStartResolver() : undefined;
  if (embedded?.service !== undefined)
    status(`started an embedded resolver at ${embedded.address}`);
  const node = await PeerNode.open({
    meshName: args.mesh,
    resolver: args.resolver ?? embedded!.address,
    security: securityOf(args),
    listen: { host: args.host, port: args.port },
    ...(args.maintenance !== undefined
      ? {
          config: {
            maintenanceIntervalMs: args.maintenance,
            maintenanceRetryMs: Math.min(10_000, Math.max(100, Math.floor(args.maintenance / 5))),
          },
        }
      : {}),
  });
  status(
    `${args.name} joined mesh "${args.mesh}" as node ${node.nodeId.toString(16)} on port ${node.port}`,
  );
  node.on("online", () => status("online"));
  node.on("offline", () => status("offline: no neighbors"));
  node.on("neighborAdded", (id) => status(`neighbor ${id.toString(16)} connected`));
  node.on("neighborRemoved", (id, reason) =>
    status(`neighbor ${id.toString(16)} left (${reason})`),
  );

  const chat = node.channel(`net.p2p://${args.mesh}/chat`);
  chat.on("message", (m) => {
    try {
      process.stdout.write(`${m.text()}\n`);
    } catch {
      status("dropped a message that was not chat text");
    }
  });

  const leave = async (code: number) => {
    await node.close();
    await embedded?.service?.close();
    process.exitCode = code;
  };
  process.once("SIGINT", () => void leave(130));
  process.once("SIGTERM", () => void leave(143));

  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    const text = line.trimEnd();
    if (text.length === 0) continue;
    if (text === "/who") {
      status(
        `${node.neighbors().length} neighbors; ${JSON.stringify(node.stats(), (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`,
      );
      continue;
    }
    chat.send(`${args.name}: ${text}`);
  }
  // stdin ended (piped input, or ^D): give the mesh time to deliver, then leave.
  await new Promise((r) => setTimeout(r, args.linger));
  // The embedded resolver's host keeps serving until its own stdin closes; others may still need it.
  await leave(0);
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`prch-chat: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
