export { type NmfBenchOptions, runNmfBench } from "./bench.js";
