import type { NodeActivity, NodeSnapshot } from "@prch/node";

/**
 * The JSON shapes the dashboard streams to the page. NodeIds are 64-bit and
 * JSON has no bigint, so they travel as 16 hex digits, the way WCF traces
 * print them.
 */

/** Counters shown per node (a subset of PeerNodeStats, numbers only). */
export interface CounterView {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly duplicates: number;
  readonly forwarded: number;
  readonly throttlePauses: number;
  readonly throttled: boolean;
  readonly tooSlowAborts: number;
  readonly pruned: number;
  readonly refusalsSent: number;
  readonly neighbors: number;
  readonly maintenanceRuns: number;
}

/** One end's view of a link: the neighbor as a node sees it. */
export interface NeighborView {
  /** The neighbor's NodeId, undefined until its Connect/Welcome arrives. */
  readonly id: string | undefined;
  readonly state: string;
  readonly initiator: boolean;
  /** LinkUtilityIndex 0–4096 of messages received from this neighbor (MC-PRCH §3.1.5.6). */
  readonly utility: number;
  readonly utilityUpdates: number;
  readonly pending: number;
}

/** A node the dashboard observes directly. */
export interface NodeView {
  readonly id: string;
  readonly label: string;
  readonly meshName: string;
  readonly endpoint: string;
  readonly online: boolean;
  readonly neighbors: readonly NeighborView[];
  readonly counters: CounterView;
}

/** A node on the page: observed ones, plus neighbors known only by their NodeId. */
export interface GraphNode {
  readonly id: string;
  readonly label: string;
  /** "local": observed by the dashboard; "remote": seen only as someone's neighbor. */
  readonly kind: "local" | "remote";
  readonly online: boolean;
  readonly endpoint?: string;
  readonly counters?: CounterView;
}

/** One end of a link as reported by the node at that end. */
export interface LinkEnd {
  readonly state: string;
  readonly initiator: boolean;
  readonly utility: number;
  readonly utilityUpdates: number;
  readonly pending: number;
}

/** A neighbor link; `a` < `b` so each link appears once. */
export interface GraphLink {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  /** "Connected" when either end reports it so. */
  readonly state: string;
  /** What `a` reports about `b` and vice versa (absent when that end is not observed). */
  readonly fromA?: LinkEnd;
  readonly fromB?: LinkEnd;
  /** The higher of the measured utilities (0 when neither end has measured one yet). */
  readonly utility: number;
  /** False until a LinkUtility message or a flood has updated either end (utility then means nothing yet). */
  readonly measured: boolean;
}

/** A registration as the resolver hands it out. */
export interface RegistrationView {
  readonly endpoint: string;
  readonly ips: readonly string[];
  /** The observed node that published this address, if any (none: stale or unobserved). */
  readonly nodeId?: string;
}

/** What the dashboard knows of the resolver. */
export interface ResolverView {
  readonly address: string;
  /** Registrations of the mesh, from a Resolve with the largest MaxAddresses the service honours. */
  readonly registrations: readonly RegistrationView[];
  /** Present when the resolver runs in this process (demo mode). */
  readonly service?: {
    readonly meshes: number;
    readonly registrations: number;
    readonly registered: number;
    readonly unregistered: number;
    readonly expired: number;
    readonly requests: Readonly<Record<string, number>>;
  };
  readonly error?: string;
}

/** Kinds of event log entries. */
export type EventKind =
  | "join"
  | "leave"
  | "kill"
  | "link-up"
  | "link-down"
  | "prune"
  | "refusal"
  | "online"
  | "offline"
  | "warning"
  | "control";

/** One line of the event log. */
export interface EventEntry {
  readonly seq: number;
  /** ISO time. */
  readonly at: string;
  readonly kind: EventKind;
  readonly node?: string;
  readonly peer?: string;
  readonly reason?: string;
  readonly text: string;
}

/** Which control endpoints the server offers. */
export interface ControlsView {
  readonly addNode: boolean;
  readonly killNode: boolean;
  readonly burst: boolean;
}

/** Everything the page draws, sent whole on every change (meshes here are small). */
export interface DashboardState {
  readonly meshName: string;
  readonly mode: string;
  readonly nodes: readonly GraphNode[];
  readonly links: readonly GraphLink[];
  readonly resolver?: ResolverView;
  readonly controls: ControlsView;
}

/** A NodeId as 16 lower-case hex digits. */
export function hexId(id: bigint): string {
  return id.toString(16).padStart(16, "0");
}

/** Converts a node's snapshot to its JSON view. */
export function nodeView(label: string, s: NodeSnapshot): NodeView {
  return {
    id: hexId(s.nodeId),
    label,
    meshName: s.meshName,
    endpoint: s.address.EndpointAddress,
    online: s.online,
    neighbors: s.neighbors.map((n) => ({
      id: n.nodeId === undefined ? undefined : hexId(n.nodeId),
      state: n.state,
      initiator: n.initiator,
      utility: n.utility,
      utilityUpdates: n.utilityUpdates,
      pending: n.pending,
    })),
    counters: {
      messagesIn: s.stats.messagesIn,
      messagesOut: s.stats.messagesOut,
      duplicates: s.stats.duplicates,
      forwarded: s.stats.forwardedMessages,
      throttlePauses: s.stats.throttlePauses,
      throttled: s.stats.throttled,
      tooSlowAborts: s.stats.tooSlowAborts,
      pruned: s.stats.pruned,
      refusalsSent: s.stats.refusalsSent,
      neighbors: s.stats.neighbors,
      maintenanceRuns: s.stats.maintenanceRuns,
    },
  };
}

/** A node's activity as JSON (bigints as hex), for the worker protocol. */
export type ActivityView =
  | { readonly type: "online" | "offline" | "closed" }
  | { readonly type: "neighborAdded"; readonly peer: string }
  | { readonly type: "neighborRemoved"; readonly peer: string; readonly reason: string }
  | { readonly type: "warning"; readonly message: string };

/** Converts a node's activity to JSON. */
export function activityView(a: NodeActivity): ActivityView {
  switch (a.type) {
    case "neighborAdded":
      return { type: a.type, peer: hexId(a.peer) };
    case "neighborRemoved":
      return { type: a.type, peer: hexId(a.peer), reason: a.reason };
    case "warning":
      return { type: a.type, message: a.message };
    default:
      return { type: a.type };
  }
}
