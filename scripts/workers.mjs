// The workers of this repository, in deploy order (a worker's service bindings point at
// workers deployed before it). `sandbox` runs only locally and is never deployed.
export const WORKERS = [
  { name: "billing", config: "workers/billing/wrangler.toml", envInterface: "BillingEnv" },
  { name: "warehouse", config: "workers/warehouse/wrangler.toml", envInterface: "WarehouseEnv" },
  { name: "integrations", config: "workers/integrations/wrangler.toml", envInterface: "IntegrationsEnv" },
  { name: "dead-letters", config: "workers/dead-letters/wrangler.toml", envInterface: "DeadLettersEnv" },
  // d1: D1 bindings whose migrations dev (local) and deploy (remote) apply first.
  { name: "projections", config: "workers/projections/wrangler.toml", envInterface: "ProjectionsEnv", d1: ["REPORTING"] },
  { name: "sales", config: "wrangler.toml", envInterface: "SalesEnv", typesOut: "workers/sales/worker-configuration.d.ts" },
  // Last: it reaches Sales' orders and Warehouse's stock objects by script name.
  { name: "order-flow", config: "workers/order-flow/wrangler.toml", envInterface: "OrderFlowEnv" },
];
export const SANDBOX = { name: "sandbox", config: "workers/sandbox/wrangler.toml", envInterface: "SandboxEnv" };
