import { TEST_RATE_LIMITS } from "./test-rate-limits.ts";
import { salesProject } from "./vitest.config.ts";

// Sales' rate limits exceeded for real, by the local binding, with limits small enough to
// exceed in a few requests (the same code and bindings as production, only the numbers differ).
export default salesProject({ name: "sales-rate-limits", include: ["workers/sales/api/rate-limits.test.ts"], rateLimits: TEST_RATE_LIMITS });
