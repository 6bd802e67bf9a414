import type { PeerNode } from "@prch/node";
import {
  type ActivityView,
  activityView,
  type ControlsView,
  type DashboardState,
  type EventEntry,
  type EventKind,
  type GraphLink,
  type GraphNode,
  type LinkEnd,
  type NodeView,
  nodeView,
  type ResolverView,
} from "./model.js";

/** Options of {@link Observatory}. */
export interface ObservatoryOptions {
  readonly meshName: string;
  /** Shown in the page header, e.g. "demo" or "observer". */
  readonly mode: string;
  /** Event log entries kept (oldest dropped first). Default 500. */
  readonly maxEvents?: number;
  /** Observed nodes at most; more are refused. Default 256. */
  readonly maxNodes?: number;
}

/** What subscribers of an {@link Observatory} receive. */
export type ObservatoryUpdate =
  | { readonly type: "state" }
  | { readonly type: "event"; readonly entry: EventEntry };

interface Member {
  label: string;
  view: NodeView | undefined;
  /** Pulls a fresh view (in-process nodes); undefined for nodes that push theirs. */
  readonly poll: (() => NodeView | undefined) | undefined;
  readonly detach: () => void;
}

/**
 * Collects what the observed nodes report — snapshots and activity — into
 * one picture of the mesh and a bounded event log. Nodes in this process are
 * attached with {@link Observatory.attach}; nodes elsewhere (child
 * processes) push their views through {@link Observatory.report} and
 * {@link Observatory.activity}.
 */
export class Observatory {
  readonly meshName: string;
  readonly mode: string;
  readonly maxEvents: number;
  readonly maxNodes: number;
  controls: ControlsView = { addNode: false, killNode: false, burst: false };
  resolver: ResolverView | undefined;
  readonly #members = new Map<string, Member>();
  readonly #events: EventEntry[] = [];
  readonly #listeners = new Set<(u: ObservatoryUpdate) => void>();
  /** Labels by NodeId, kept after a node goes so later log lines still name it. */
  readonly #names = new Map<string, string>();
  #seq = 0;

  constructor(options: ObservatoryOptions) {
    this.meshName = options.meshName;
    this.mode = options.mode;
    this.maxEvents = options.maxEvents ?? 500;
    this.maxNodes = options.maxNodes ?? 256;
  }

  /** Keys of the observed nodes. */
  keys(): string[] {
    return [...this.#members.keys()];
  }

  /** The latest view of an observed node. */
  view(key: string): NodeView | undefined {
    const m = this.#members.get(key);
    return m?.poll?.() ?? m?.view;
  }

  /** The observed node whose NodeId (hex) is `id`. */
  keyOf(id: string): string | undefined {
    for (const [key, m] of this.#members) if (m.view?.id === id) return key;
    return undefined;
  }

  /**
   * Observes a node of this process through its public observer interface
   * ({@link PeerNode.observe}, {@link PeerNode.snapshot}). Returns the
   * function that stops observing it.
   */
  attach(node: PeerNode, label: string): () => void {
    const key = label;
    let closed = false;
    const unobserve = node.observe((a) => {
      if (a.type === "closed") {
        // A closed node has left (gracefully: close() sends LeavingMesh); stop drawing it.
        closed = true;
        this.remove(key, "leave");
        return;
      }
      this.#member(key)?.poll?.();
      this.activity(key, activityView(a));
    });
    this.#add(key, {
      label,
      view: undefined,
      poll: () => {
        const m = this.#members.get(key);
        if (m === undefined || closed) return m?.view;
        m.view = nodeView(label, node.snapshot());
        this.#remember(m.view);
        return m.view;
      },
      detach: unobserve,
    });
    // Learn the NodeId now, so that the first link lines already name this node.
    this.view(key);
    this.#log("join", `${label} joined the mesh`, { node: label });
    return () => this.remove(key);
  }

  /** Registers a node that pushes its views (see {@link Observatory.report}). */
  expect(key: string, label: string, detach: () => void = () => undefined): void {
    this.#add(key, { label, view: undefined, poll: undefined, detach });
    this.#log("join", `${label} joined the mesh`, { node: label });
  }

  /** A pushed view of node `key`. */
  report(key: string, view: NodeView): void {
    const m = this.#members.get(key);
    if (m === undefined) return;
    m.view = view;
    this.#remember(view);
  }

  /** Activity of node `key`: becomes an event log entry. */
  activity(key: string, a: ActivityView): void {
    const m = this.#members.get(key);
    if (m === undefined) return;
    const who = m.label;
    switch (a.type) {
      case "online":
        this.#log("online", `${who} is online (first neighbor)`, { node: who });
        return;
      case "offline":
        this.#log("offline", `${who} is offline (no neighbors)`, { node: who });
        return;
      case "closed":
        return;
      case "neighborAdded":
        this.#log("link-up", `${who} ⇄ ${this.#name(a.peer)} linked`, {
          node: who,
          peer: this.#name(a.peer),
        });
        return;
      case "neighborRemoved": {
        const peer = this.#name(a.peer);
        const kind = removalKind(a.reason);
        const what =
          kind === "prune"
            ? "pruned (not useful)"
            : kind === "refusal"
              ? "refused (busy)"
              : a.reason === "LeavingMesh"
                ? "left (LeavingMesh)"
                : `dropped (${a.reason})`;
        this.#log(kind, `${who} ⇹ ${peer} ${what}`, { node: who, peer, reason: a.reason });
        return;
      }
      case "warning":
        this.#log("warning", `${who}: ${a.message}`, { node: who });
        return;
    }
  }

  /** Stops observing node `key`; `how` says whether it left or was killed. */
  remove(key: string, how: "leave" | "kill" = "leave"): void {
    const m = this.#members.get(key);
    if (m === undefined) return;
    this.#members.delete(key);
    m.detach();
    this.#log(
      how,
      how === "kill" ? `${m.label} was killed (no LeavingMesh sent)` : `${m.label} left the mesh`,
      { node: m.label },
    );
  }

  /** Adds a free-form entry (controls, notes). */
  note(kind: EventKind, text: string): void {
    this.#log(kind, text, {});
  }

  /** The newest `max` event log entries, oldest first. */
  events(max = this.maxEvents): EventEntry[] {
    return this.#events.slice(-max);
  }

  /** Subscribes to updates; returns the unsubscribe function. */
  subscribe(listener: (u: ObservatoryUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells subscribers the state may have changed (they decide whether it did). */
  touch(): void {
    for (const l of this.#listeners) l({ type: "state" });
  }

  /** The whole picture: nodes, links (with both ends' utility), resolver, controls. */
  state(): DashboardState {
    const views: NodeView[] = [];
    for (const key of this.#members.keys()) {
      const v = this.view(key);
      if (v !== undefined) views.push(v);
    }
    const nodes = new Map<string, GraphNode>();
    for (const v of views) {
      nodes.set(v.id, {
        id: v.id,
        label: v.label,
        kind: "local",
        online: v.online,
        endpoint: v.endpoint,
        counters: v.counters,
      });
    }
    const links = new Map<string, { a: string; b: string; fromA?: LinkEnd; fromB?: LinkEnd }>();
    for (const v of views) {
      for (const n of v.neighbors) {
        if (n.id === undefined || n.id === v.id) continue;
        if (!nodes.has(n.id)) {
          nodes.set(n.id, { id: n.id, label: n.id.slice(0, 6), kind: "remote", online: true });
        }
        const [a, b] = v.id < n.id ? [v.id, n.id] : [n.id, v.id];
        const id = `${a}-${b}`;
        const link = links.get(id) ?? { a, b };
        const end: LinkEnd = {
          state: n.state,
          initiator: n.initiator,
          utility: n.utility,
          utilityUpdates: n.utilityUpdates,
          pending: n.pending,
        };
        if (v.id === a) link.fromA = end;
        else link.fromB = end;
        links.set(id, link);
      }
    }
    const graphLinks: GraphLink[] = [...links.entries()].map(([id, l]) => {
      const ends = [l.fromA, l.fromB].filter((e): e is LinkEnd => e !== undefined);
      return {
        id,
        ...l,
        state: ends.some((e) => e.state === "Connected") ? "Connected" : (ends[0]?.state ?? "?"),
        // A direction with no LinkUtility yet says nothing; of the rest, the more useful one
        // counts: a link is worth keeping if it brings first copies either way (MC-PRCH §3.1.5.6).
        utility: Math.max(0, ...ends.filter((e) => e.utilityUpdates > 0).map((e) => e.utility)),
        measured: ends.some((e) => e.utilityUpdates > 0),
      };
    });
    return {
      meshName: this.meshName,
      mode: this.mode,
      nodes: [...nodes.values()].sort((x, y) => x.label.localeCompare(y.label)),
      links: graphLinks.sort((x, y) => x.id.localeCompare(y.id)),
      ...(this.resolver !== undefined ? { resolver: this.resolver } : {}),
      controls: this.controls,
    };
  }

  /** Stops observing every node. */
  close(): void {
    for (const m of this.#members.values()) m.detach();
    this.#members.clear();
    this.#listeners.clear();
  }

  #member(key: string): Member | undefined {
    return this.#members.get(key);
  }

  #add(key: string, m: Member): void {
    if (this.#members.has(key)) throw new Error(`already observing ${key}`);
    if (this.#members.size >= this.maxNodes) {
      throw new Error(`the dashboard observes at most ${this.maxNodes} nodes`);
    }
    this.#members.set(key, m);
  }

  /** A peer's label when we observe (or observed) it, otherwise its short NodeId. */
  #name(id: string): string {
    return this.#names.get(id) ?? id.slice(0, 6);
  }

  #remember(view: NodeView): void {
    if (this.#names.get(view.id) === view.label) return;
    // Bounded like everything else: forget the oldest names first.
    if (this.#names.size >= this.maxNodes * 4) {
      const oldest = this.#names.keys().next().value;
      if (oldest !== undefined) this.#names.delete(oldest);
    }
    this.#names.set(view.id, view.label);
  }

  #log(
    kind: EventKind,
    text: string,
    extra: { node?: string; peer?: string; reason?: string },
  ): void {
    const entry: EventEntry = {
      seq: ++this.#seq,
      at: new Date().toISOString(),
      kind,
      text,
      ...extra,
    };
    this.#events.push(entry);
    // Bounded log: drop in chunks so the shift is rare.
    if (this.#events.length > this.maxEvents + 64) {
      this.#events.splice(0, this.#events.length - this.maxEvents);
    }
    for (const l of this.#listeners) l({ type: "event", entry });
  }
}

/** What a link removal means to a viewer (MC-PRCH §2.2.3.4 DisconnectReason, §2.2.3.3 RefuseReason). */
function removalKind(reason: string): EventKind {
  if (reason === "NotUsefulNeighbor") return "prune";
  if (reason === "NodeBusy" || reason === "Refused") return "refusal";
  if (reason === "LeavingMesh") return "leave";
  return "link-down";
}
