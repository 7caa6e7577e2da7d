import { workerProject } from "../../test/worker-project.ts";

// Warehouse with its real bindings; the carrier is the sandbox, reached over HTTP.
export default workerProject({
  name: "warehouse",
  config: "workers/warehouse/wrangler.toml",
  include: ["workers/warehouse/**/*.test.ts"],
  sandbox: true,
  bindings: (sandbox) => ({
    CARRIER_API_BASE: `${sandbox}/carrier`,
    CARRIER_API_KEY: "shippo_test_unit",
    CARRIER_ACCOUNT: "sandbox-usps",
    ADMIN_TOKEN: "test-admin-token",
  }),
  tap: ["sales", "billing"],
});
