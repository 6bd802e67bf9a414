import { packageTests } from "../../vitest.shared.js";

export default packageTests("sim", { testTimeout: 120_000 });
