import { workerProject } from "../../test/worker-project.ts";

// Projections with its real bindings (D1 with its migrations applied, R2, KV).
export default workerProject({
  name: "projections",
  config: "workers/projections/wrangler.toml",
  include: ["workers/projections/**/*.test.ts"],
  bindings: () => ({ ADMIN_TOKEN: "test-admin-token", LAKE_PII_KEY: "test-pii-key" }),
  d1: { binding: "REPORTING", migrations: "workers/projections/migrations" },
});
