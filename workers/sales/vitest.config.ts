import { echoWorker, workerProject } from "../../test/worker-project.ts";

// Sales' unit tests, plus the shared contracts and platform, with Sales' real bindings.
export default workerProject({
  name: "sales",
  config: "wrangler.toml",
  include: ["workers/sales/**/*.test.ts", "src/**/*.test.ts"],
  bindings: () => ({ ADMIN_TOKEN: "test-admin-token", DEFAULT_PAYMENT_METHOD: "pm_card_visa" }),
  tap: ["billing"],
  // Sales forwards admin APIs to these workers; the stand-ins echo what they received.
  workers: [echoWorker("warehouse"), echoWorker("integrations"), echoWorker("dead-letters"), echoWorker("projections")],
});
