import { workerProject } from "../../test/worker-project.ts";

export default workerProject({
  name: "dead-letters",
  config: "workers/dead-letters/wrangler.toml",
  include: ["workers/dead-letters/**/*.test.ts"],
  bindings: () => ({ ADMIN_TOKEN: "test-admin-token" }),
  tap: ["sales", "billing", "warehouse"],
});
