export {
  type LatencyResult,
  type ResolverBenchOptions,
  type ResolverBenchReport,
  runResolverBench,
} from "./bench.js";
