import { startDashboard } from "@prch/dashboard";
import { PeerNode } from "@prch/node";
import { ResolverService } from "@prch/resolver-prcr";

/**
 * The project's main demo: an embedded resolver, a mesh of several nodes on
 * 127.0.0.1, chat lines flooding between them, a summary of what each node
 * received, and the dashboard over it all (http://127.0.0.1:PORT/).
 *
 * Usage: prch-chat-demo [--nodes N] [--lines M] [--port P] [--exit]
 *
 * After the summary the demo keeps serving the dashboard until Ctrl-C, so the
 * mesh can be watched and poked (bursts). With --exit, or when stdout is not a
 * terminal (scripts, CI, `| tee`), it leaves the mesh and exits right after the
 * summary instead. The exit code is 0 when every node received every line.
 */
const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
const LINES = ["hello, mesh!", "is anyone out there?", "peer channel lives on", "bye for now"];

function flag(name: string, fallback: number, min: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    process.stderr.write(`--${name} takes a whole number from ${min} to ${max}\n`);
    process.exit(2);
  }
  return v;
}

async function until(cond: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function main(): Promise<void> {
  const count = flag("nodes", 5, 1, 50);
  const lines = flag("lines", 2, 1, LINES.length);
  const port = flag("port", 0, 0, 65535);
  const exitAfterSummary = process.argv.includes("--exit") || !process.stdout.isTTY;
  const mesh = "demo";
  const chat = `net.p2p://${mesh}/chat`;
  const resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
  await resolver.listen();
  console.log(`resolver: ${resolver.address}`);

  const names = Array.from({ length: count }, (_, i) => NAMES[i] ?? `node${i + 1}`);
  const nodes: PeerNode[] = [];
  const received = new Map<string, string[]>();
  let echo = true;
  const dashboard = await startDashboard({
    meshName: mesh,
    mode: "chat demo",
    resolver: { address: resolver.address, service: resolver },
    port,
    controls: {
      // The page's burst button: a random node floods chat lines (counted, not printed).
      async burst(n) {
        const i = Math.floor(Math.random() * nodes.length);
        const ch = nodes[i]!.channel(chat);
        for (let k = 0; k < n; k++) ch.send(`${names[i]}: burst ${k + 1} of ${n}`);
        return names[i]!;
      },
    },
  });
  console.log(`dashboard: ${dashboard.url}`);

  for (const name of names) {
    const node = await PeerNode.open({
      meshName: mesh,
      resolver: resolver.address,
      listen: { host: "127.0.0.1" },
      // A short retry while alone, so the demo's first node finds the others quickly.
      config: { maintenanceRetryMs: 1000 },
    });
    nodes.push(node);
    received.set(name, []);
    dashboard.attach(node, name);
    node.channel(chat).on("message", (m) => {
      const text = m.text();
      received.get(name)!.push(text);
      if (echo) console.log(`  [${name.padEnd(6)}] ${text}`);
    });
    console.log(
      `${name} joined as node ${node.nodeId.toString(16).padStart(16, "0")} on port ${node.port}`,
    );
  }

  const formed = await until(() => nodes.every((n) => n.online), 30_000);
  console.log(
    formed ? "mesh formed: every node has a neighbor\n" : "mesh still forming after 30 s\n",
  );

  for (let l = 0; l < lines; l++) {
    for (const [i, node] of nodes.entries()) {
      node.channel(chat).send(`${names[i]}: ${LINES[l]}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  }
  const expected = (count - 1) * lines;
  await until(() => [...received.values()].every((r) => r.length >= expected), 10_000);

  console.log("\nsummary");
  console.log(
    `${"node".padEnd(8)}${"neighbors".padStart(10)}${"received".padStart(10)}${"expected".padStart(10)}${"duplicates dropped".padStart(20)}`,
  );
  let complete = true;
  for (const [i, node] of nodes.entries()) {
    const s = node.stats();
    const got = received.get(names[i]!)!.length;
    if (got !== expected) complete = false;
    console.log(
      `${names[i]!.padEnd(8)}${String(s.neighbors).padStart(10)}${String(got).padStart(10)}${String(expected).padStart(10)}${String(s.duplicates).padStart(20)}`,
    );
  }
  console.log(
    complete
      ? "\nevery node received every other node's lines exactly once"
      : "\nsome lines did not arrive",
  );
  const code = complete ? 0 : 1;

  const shutdown = async () => {
    await dashboard.close();
    await Promise.all(nodes.map((n) => n.close()));
    await resolver.close();
  };
  if (exitAfterSummary) {
    await shutdown();
    process.exitCode = code;
    return;
  }
  echo = false;
  console.log(`\nthe dashboard stays up at ${dashboard.url} — press Ctrl-C to leave the mesh`);
  let stopping = false;
  process.on("SIGINT", () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log("\nleaving the mesh…");
    shutdown().finally(() => process.exit(code));
  });
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
