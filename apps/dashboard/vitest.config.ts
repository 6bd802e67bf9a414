import { packageTests } from "../../vitest.shared.js";

export default packageTests("dashboard", { testTimeout: 180_000, fileParallelism: false });
