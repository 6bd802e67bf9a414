import { parseArgs } from "node:util";

/** Command-line options of prch-dashboard. */
export type DashboardArgs =
  | {
      readonly mode: "observe";
      readonly mesh: string;
      readonly resolver: string;
      readonly password: string | undefined;
      /** Where the dashboard's node listens and what it publishes (the page stays on 127.0.0.1). */
      readonly host: string;
      readonly port: number;
      readonly maintenance: number | undefined;
    }
  | {
      readonly mode: "demo";
      readonly mesh: string;
      readonly nodes: number;
      readonly port: number;
      readonly maintenance: number | undefined;
    };

/** Where prch-chat's embedded resolver lives; the observer looks there by default. */
export const DEFAULT_RESOLVER = "net.tcp://127.0.0.1:8089/resolver";

export const USAGE = `usage: prch-dashboard --mesh NAME [--resolver URI] [options]
       prch-dashboard --demo N [options]

  --mesh NAME         join this mesh with a node of the dashboard's own and show
                      what it sees: itself, its neighbors, their links
  --resolver URI      net.tcp address of the mesh's MC-PRCR resolver
                      (default ${DEFAULT_RESOLVER}, prch-chat's)
  --password TEXT     the mesh's password (password security)
  --host ADDRESS      address the dashboard's node listens on and publishes
                      (default 127.0.0.1; the page itself is always on 127.0.0.1)
  --demo N            start an embedded resolver and N local nodes (1-32), with
                      buttons to add and kill nodes and to send bursts
  --port N            dashboard port on 127.0.0.1 (default: any free port)
  --maintenance MS    maintenance period of the dashboard's nodes (default: Windows'
                      5 minutes when observing, 5 seconds in the demo)
`;

/** Parses argv (without node and script); throws with the usage text on errors. */
export function parseDashboardArgs(argv: readonly string[]): DashboardArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      mesh: { type: "string" },
      resolver: { type: "string" },
      password: { type: "string" },
      host: { type: "string" },
      demo: { type: "string" },
      port: { type: "string", default: "0" },
      maintenance: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port\n${USAGE}`);
  const maintenance = values.maintenance === undefined ? undefined : Number(values.maintenance);
  if (maintenance !== undefined && (!Number.isInteger(maintenance) || maintenance < 100)) {
    throw new Error(`bad --maintenance (milliseconds, at least 100)\n${USAGE}`);
  }
  if (values.demo !== undefined) {
    if (values.resolver !== undefined || values.password !== undefined || values.host) {
      throw new Error(`--demo starts its own resolver and mesh\n${USAGE}`);
    }
    const nodes = Number(values.demo);
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 32) {
      throw new Error(`--demo takes a number of nodes from 1 to 32\n${USAGE}`);
    }
    return { mode: "demo", mesh: values.mesh ?? "demo", nodes, port, maintenance };
  }
  if (values.mesh === undefined) throw new Error(`--mesh or --demo is required\n${USAGE}`);
  if (!/^[A-Za-z0-9._-]+$/.test(values.mesh)) throw new Error(`bad --mesh name\n${USAGE}`);
  return {
    mode: "observe",
    mesh: values.mesh,
    resolver: values.resolver ?? DEFAULT_RESOLVER,
    password: values.password,
    host: values.host ?? "127.0.0.1",
    port,
    maintenance,
  };
}
