export { type MeshArgs, parseArgs, USAGE } from "./args.js";
export { runMeshBench } from "./bench.js";
export type {
  DeliverListener,
  Mesh,
  MeshImpl,
  MeshStartOptions,
  UnavailableImpl,
  WireStats,
} from "./impl.js";
export { floodsubImpl, gossipsubImpl } from "./libp2p.js";
export { HEADER_SIZE, makePayload, Phase, payloadPhase, payloadSeq } from "./payload.js";
export { DEFAULT_IMPLS, IMPLEMENTATIONS, isAvailable, resolveImpls } from "./registry.js";
export {
  formatMeshReport,
  type GroupResult,
  type MeshReport,
  METRICS,
  type MetricName,
  makeReport,
  reportJson,
  summariseGroup,
  summariseRuns,
} from "./report.js";
export { type Rng, seededRng } from "./rng.js";
export { SocketMeter } from "./socket-meter.js";
export { makeTopology, type Topology } from "./topology.js";
export { censoredQuantile, DeliveryTracker } from "./tracker.js";
export {
  FULL_WORKLOAD,
  type LatencyResult,
  type PhaseCosts,
  QUICK_WORKLOAD,
  type RunResult,
  runWorkload,
  type ThroughputResult,
  type WorkloadOptions,
} from "./workload.js";
export { runIsolated } from "./isolated.js";
export {
  Ended,
  PhaseLog,
  type RunShape,
  RunLog,
  Stage,
} from "./run-log.js";
export type { WorkerInput, WorkerMessage } from "./worker.js";
export { executeRun, type RunExtras, resultFromLog } from "./workload.js";
