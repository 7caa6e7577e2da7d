import { workerProject } from "../../test/worker-project.ts";

// Billing with its real bindings; Stripe is the sandbox, reached over HTTP.
export default workerProject({
  name: "billing",
  config: "workers/billing/wrangler.toml",
  include: ["workers/billing/**/*.test.ts"],
  sandbox: true,
  bindings: (sandbox) => ({ STRIPE_API_BASE: `${sandbox}/stripe`, STRIPE_SECRET_KEY: "sk_test_unit" }),
  tap: ["warehouse", "sales"],
});
