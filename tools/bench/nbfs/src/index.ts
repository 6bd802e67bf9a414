export {
  LARGE_ITEMS,
  type NbfsBenchOptions,
  type NbfsFixture,
  nbfsCases,
  nbfsFixture,
  runNbfsBench,
  SAXES,
  SMALL_ITEMS,
} from "./bench.js";
export { makeOrder, type Order, writeOrder } from "./message.js";
