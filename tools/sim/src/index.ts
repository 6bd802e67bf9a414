// @prch/sim: a deterministic discrete-event simulator for @prch/mesh-core.
export {
  type FiguresResult,
  type FloodFigures,
  renderFigures,
  runFigures,
} from "./figures.js";
export {
  components,
  degreeHistogram,
  type MeshShape,
  type MessageReport,
  messageReport,
  meshShape,
} from "./metrics.js";
export {
  DEFAULT_SCENARIO,
  type PhaseReport,
  renderScenario,
  runScenario,
  type ScenarioOptions,
  type ScenarioReport,
} from "./scenario.js";
export { PrcrResolver } from "./prcr.js";
export { EventQueue, type Scheduled } from "./queue.js";
export { MemoryResolver } from "./resolver.js";
export {
  type CpuStats,
  DEFAULT_SIM_OPTIONS,
  type MessageTrack,
  SIM_VIA,
  type SimOptions,
  type SimPayload,
  SimNode,
  Simulator,
  sample,
  simAddress,
} from "./sim.js";
