/**
 * @prch/dashboard — watch a Peer Channel mesh live in a browser: nodes,
 * neighbor links with their link utility, per-node counters, the resolver's
 * registrations and an event log, streamed over Server-Sent Events.
 * @packageDocumentation
 */
export { type DashboardArgs, DEFAULT_RESOLVER, parseDashboardArgs, USAGE } from "./args.js";
export { type Dashboard, type StartDashboardOptions, startDashboard } from "./dashboard.js";
export { DemoMesh, type DemoMeshOptions } from "./demo-mesh.js";
export { DashboardError, type DashboardErrorCode } from "./errors.js";
export type {
  ActivityView,
  ControlsView,
  CounterView,
  DashboardState,
  EventEntry,
  EventKind,
  GraphLink,
  GraphNode,
  LinkEnd,
  NeighborView,
  NodeView,
  RegistrationView,
  ResolverView,
} from "./model.js";
export { Observatory, type ObservatoryOptions, type ObservatoryUpdate } from "./observatory.js";
export { RegistrationWatcher, type RegistrationWatcherOptions } from "./registrations.js";
export { DashboardServer, type DashboardServerOptions, type MeshControls } from "./server.js";
