import type { PeerNode } from "@prch/node";
import type { ResolverService } from "@prch/resolver-prcr";
import { Observatory } from "./observatory.js";
import { RegistrationWatcher } from "./registrations.js";
import { DashboardServer, type MeshControls } from "./server.js";

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  readonly meshName: string;
  /** Shown in the page header (default "observer"). */
  readonly mode?: string;
  /** Nodes of this process to observe, with the names the page shows. */
  readonly nodes?: readonly { readonly node: PeerNode; readonly label: string }[];
  /** The mesh's resolver, for the registrations panel; pass the service when it runs here. */
  readonly resolver?: { readonly address: string; readonly service?: ResolverService };
  /** Buttons of the page (demo mode). */
  readonly controls?: MeshControls;
  /** Use this observatory (e.g. one a {@link DemoMesh} feeds) instead of a new one. */
  readonly observatory?: Observatory;
  /** Dashboard port on 127.0.0.1; 0 (default) lets the OS choose. */
  readonly port?: number;
  /** Event log length (default 500) and SSE clients at most (default 16). */
  readonly maxEvents?: number;
  readonly maxClients?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** The page, e.g. `http://127.0.0.1:43117/`. */
  readonly url: string;
  readonly observatory: Observatory;
  readonly server: DashboardServer;
  /** Observes one more node of this process. */
  attach(node: PeerNode, label: string): () => void;
  /** Stops the server and the resolver polling (the nodes stay up). */
  close(): Promise<void>;
}

/**
 * Starts the dashboard over nodes of this process: any application that
 * holds {@link PeerNode}s can show its mesh this way.
 *
 * @example
 * ```ts
 * const dash = await startDashboard({ meshName: "demo", nodes: [{ node, label: "alice" }] });
 * console.log(`dashboard: ${dash.url}`);
 * ```
 */
export async function startDashboard(options: StartDashboardOptions): Promise<Dashboard> {
  const observatory =
    options.observatory ??
    new Observatory({
      meshName: options.meshName,
      mode: options.mode ?? "observer",
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    });
  for (const { node, label } of options.nodes ?? []) observatory.attach(node, label);
  const watcher =
    options.resolver !== undefined
      ? new RegistrationWatcher(observatory, {
          address: options.resolver.address,
          meshName: options.meshName,
          ...(options.resolver.service !== undefined ? { service: options.resolver.service } : {}),
        })
      : undefined;
  const server = new DashboardServer({
    observatory,
    ...(options.controls !== undefined ? { controls: options.controls } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.maxClients !== undefined ? { maxClients: options.maxClients } : {}),
  });
  const url = await server.listen();
  watcher?.start();
  return {
    url,
    observatory,
    server,
    attach: (node, label) => observatory.attach(node, label),
    async close() {
      await watcher?.close();
      await server.close();
    },
  };
}
