import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { PeerNodeOptions } from "@prch/node";
import { ResolverService } from "@prch/resolver-prcr";
import { DashboardError } from "./errors.js";
import type { Observatory } from "./observatory.js";
import type { MeshControls } from "./server.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";

/** Options of {@link DemoMesh.start}. */
export interface DemoMeshOptions {
  /** Mesh name; default "demo". */
  readonly meshName?: string;
  /** Nodes to start with. */
  readonly nodes: number;
  /** Engine settings for every node (e.g. a short maintenance interval). */
  readonly config?: PeerNodeOptions["config"];
  /** Nodes at most, whatever the page asks for. Default 32. */
  readonly maxNodes?: number;
  /** How long a node may take to open, ms. Default 20 000. */
  readonly openTimeoutMs?: number;
}

const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

interface Worker {
  readonly label: string;
  readonly proc: ChildProcess;
  id: string | undefined;
  killed: boolean;
}

/** The node process script: next to this module in dist/, or the build's when run from sources. */
function workerScript(): string {
  const here = import.meta.url;
  const url = here.endsWith(".ts")
    ? new URL("../dist/node-worker.js", here)
    : new URL("./node-worker.js", here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new DashboardError(
      "WorkerFailed",
      `${path} is missing: build @prch/dashboard first (pnpm exec tsup)`,
    );
  }
  return path;
}

/**
 * `prch-dashboard --demo N`: an embedded resolver on 127.0.0.1 and N nodes,
 * each in a child process so that killing one is abrupt (SIGKILL: its links
 * drop without Disconnect, its registration lingers at the resolver until it
 * expires), exactly what a crash or a pulled cable looks like to the mesh.
 */
export class DemoMesh implements MeshControls {
  readonly meshName: string;
  readonly resolver: ResolverService;
  readonly #observatory: Observatory;
  readonly #options: DemoMeshOptions;
  readonly #script: string;
  readonly #workers = new Map<string, Worker>();
  #next = 0;
  #closed = false;

  private constructor(
    observatory: Observatory,
    resolver: ResolverService,
    options: DemoMeshOptions,
  ) {
    this.#observatory = observatory;
    this.resolver = resolver;
    this.#options = options;
    this.meshName = options.meshName ?? "demo";
    this.#script = workerScript();
  }

  /** Starts the resolver and the first nodes, one after another (each finds the ones before). */
  static async start(observatory: Observatory, options: DemoMeshOptions): Promise<DemoMesh> {
    const resolver = new ResolverService({ host: "127.0.0.1", port: 0 });
    await resolver.listen();
    const demo = new DemoMesh(observatory, resolver, options);
    try {
      for (let i = 0; i < options.nodes; i++) await demo.addNode();
    } catch (e) {
      await demo.close();
      throw e;
    }
    return demo;
  }

  /** Labels of the running nodes. */
  labels(): string[] {
    return [...this.#workers.keys()];
  }

  /** Starts one more node; resolves with its label once it listens and is registered. */
  async addNode(): Promise<string> {
    if (this.#closed) throw new DashboardError("Closed", "the demo is closed");
    const max = this.#options.maxNodes ?? 32;
    if (this.#workers.size >= max) {
      throw new DashboardError("Busy", `the demo runs at most ${max} nodes`);
    }
    const n = this.#next++;
    const label = NAMES[n] ?? `node${n + 1}`;
    const proc = fork(this.#script, [], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      // The demo's own flags (e.g. --inspect) are not for the nodes.
      execArgv: [],
    });
    const w: Worker = { label, proc, id: undefined, killed: false };
    this.#workers.set(label, w);
    let stderr = "";
    proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DashboardError("WorkerFailed", `${label} did not open in time`)),
        this.#options.openTimeoutMs ?? 20_000,
      );
      proc.on("message", (raw: unknown) => {
        const m = raw as FromWorker;
        switch (m.t) {
          case "ready":
            clearTimeout(timer);
            w.id = m.view.id;
            this.#observatory.expect(label, label);
            this.#observatory.report(label, m.view);
            resolve();
            return;
          case "view":
            this.#observatory.report(label, m.view);
            return;
          case "activity":
            this.#observatory.activity(label, m.activity);
            return;
          case "error":
            clearTimeout(timer);
            reject(new DashboardError("WorkerFailed", `${label}: ${m.message}`));
            this.#observatory.note("warning", `${label}: ${m.message}`);
            return;
        }
      });
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        this.#workers.delete(label);
        if (!w.killed && !this.#closed) {
          this.#observatory.remove(label, "kill");
          this.#observatory.note(
            "warning",
            `${label} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}`,
          );
        }
        reject(new DashboardError("WorkerFailed", `${label} exited before it opened: ${stderr}`));
      });
    });
    this.#send(w, {
      t: "open",
      label,
      meshName: this.meshName,
      resolver: this.resolver.address,
      config: this.#options.config,
    });
    try {
      await ready;
    } catch (e) {
      w.killed = true;
      proc.kill("SIGKILL");
      throw e;
    }
    return label;
  }

  /** Kills the node whose NodeId (hex) is `id` with SIGKILL; resolves with its label. */
  async killNode(id: string): Promise<string> {
    const w = [...this.#workers.values()].find((x) => x.id === id);
    if (w === undefined) throw new DashboardError("NotFound", `no demo node has NodeId ${id}`);
    w.killed = true;
    const gone = new Promise<void>((resolve) => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) resolve();
      else w.proc.once("exit", () => resolve());
    });
    // Logged first, so the log reads cause before effect (the neighbors' link-down lines).
    this.#observatory.remove(w.label, "kill");
    w.proc.kill("SIGKILL");
    await gone;
    return w.label;
  }

  /** One node (chosen at random) floods `count` chat messages; resolves with its label. */
  async burst(count: number): Promise<string> {
    const live = [...this.#workers.values()].filter((w) => w.id !== undefined && !w.killed);
    const w = live[Math.floor(Math.random() * live.length)];
    if (w === undefined) throw new DashboardError("NotFound", "no node is running");
    this.#send(w, { t: "burst", count });
    return w.label;
  }

  /** Closes every node gracefully (LeavingMesh), then the resolver. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      [...this.#workers.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
            const force = setTimeout(() => w.proc.kill("SIGKILL"), 5000);
            w.proc.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            if (!this.#send(w, { t: "close" })) w.proc.kill("SIGKILL");
          }),
      ),
    );
    this.#workers.clear();
    await this.resolver.close();
  }

  #send(w: Worker, m: ToWorker): boolean {
    if (!w.proc.connected) return false;
    w.proc.send(m);
    return true;
  }
}
