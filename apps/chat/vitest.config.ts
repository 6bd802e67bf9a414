import { packageTests } from "../../vitest.shared.js";

export default packageTests("chat", { testTimeout: 600_000 });
