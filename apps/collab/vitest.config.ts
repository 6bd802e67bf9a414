import { packageTests } from "../../vitest.shared.js";

export default packageTests("collab-app", { testTimeout: 180_000, hookTimeout: 180_000 });
