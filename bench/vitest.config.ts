import { echoWorker, workerProject } from "../test/worker-project.ts";

// The bench's meter (bench/metered/meter.ts) in workerd, against Sales' real bindings: what it
// counts must be what Cloudflare bills. Sales' service bindings need workers of those names.
export default workerProject({
  name: "bench",
  config: "wrangler.toml",
  include: ["bench/metered/**/*.test.ts"],
  bindings: () => ({ ADMIN_TOKEN: "test-admin-token" }),
  workers: [echoWorker("warehouse"), echoWorker("integrations"), echoWorker("dead-letters"), echoWorker("projections")],
});
