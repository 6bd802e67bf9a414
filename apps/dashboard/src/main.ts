import { PeerNode } from "@prch/node";
import { type DashboardArgs, parseDashboardArgs } from "./args.js";
import { type Dashboard, startDashboard } from "./dashboard.js";
import { DemoMesh } from "./demo-mesh.js";
import { Observatory } from "./observatory.js";

/** prch-dashboard: see USAGE in args.ts. */
async function main(): Promise<void> {
  let args: DashboardArgs;
  try {
    args = parseDashboardArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
    return;
  }
  const cleanup: (() => Promise<void>)[] = [];
  let dashboard: Dashboard;
  if (args.mode === "demo") {
    const observatory = new Observatory({ meshName: args.mesh, mode: "demo" });
    const demo = await DemoMesh.start(observatory, {
      meshName: args.mesh,
      nodes: args.nodes,
      // Short timers so a viewer sees the mesh heal within seconds, not Windows' 5 minutes.
      config: { maintenanceIntervalMs: args.maintenance ?? 5000, maintenanceRetryMs: 500 },
    });
    cleanup.push(() => demo.close());
    dashboard = await startDashboard({
      meshName: args.mesh,
      observatory,
      resolver: { address: demo.resolver.address, service: demo.resolver },
      controls: demo,
      port: args.port,
    });
    console.log(`resolver: ${demo.resolver.address}`);
    console.log(`nodes: ${demo.labels().join(", ")}`);
  } else {
    const node = await PeerNode.open({
      meshName: args.mesh,
      resolver: args.resolver,
      listen: { host: args.host },
      ...(args.password !== undefined
        ? { security: { mode: "password" as const, password: args.password } }
        : {}),
      ...(args.maintenance !== undefined
        ? { config: { maintenanceIntervalMs: args.maintenance, maintenanceRetryMs: 1000 } }
        : {}),
    });
    // prch-chat's channel, so the dashboard node counts the chat's messages as delivered.
    node.channel(`net.p2p://${args.mesh}/chat`).on("message", () => undefined);
    cleanup.push(() => node.close());
    dashboard = await startDashboard({
      meshName: args.mesh,
      mode: "observer",
      nodes: [{ node, label: "dashboard" }],
      resolver: { address: args.resolver },
      port: args.port,
    });
    console.log(`joined mesh ${args.mesh} through ${args.resolver}`);
  }
  console.log(`dashboard: ${dashboard.url}`);
  console.log("press Ctrl-C to stop");
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log("\nleaving the mesh…");
    await dashboard.close();
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e: unknown) => {
  console.error(`prch-dashboard: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
