/**
 * `@prch/resolver-app`: the `prch-resolver` command (MC-PRCR custom resolver on net.tcp) and the
 * functions behind it, for embedding.
 *
 * @packageDocumentation
 */
export {
  type AppConfig,
  type AppIo,
  parseConfig,
  type RunningApp,
  startApp,
  USAGE,
  UsageError,
} from "./app.js";
