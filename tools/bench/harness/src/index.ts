export { human, renderTable } from "./format.js";
export {
  type BenchCase,
  type BenchGroup,
  type BenchOptions,
  type BenchReport,
  type CaseResult,
  defaultOptions,
  formatReport,
  runBench,
} from "./harness.js";
export { quantile, type Summary, summarise } from "./stats.js";
