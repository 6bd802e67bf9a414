import { packageTests } from "../../vitest.shared.js";

export default packageTests("dashboard", { testTimeout: 120_000, fileParallelism: false });
