import { workerProject } from "../../test/worker-project.ts";

// Sales forwards admin paths to other workers; each stand-in echoes what it received.
const echo = (name: string) => ({
  name,
  modules: true,
  compatibilityDate: "2026-08-01",
  script: `export default { async fetch(request) {
    return Response.json({ forwarded: true, to: "${name}", method: request.method, path: new URL(request.url).pathname,
      authorization: request.headers.get("authorization"), body: await request.text() });
  } };`,
});

// Sales' unit tests, plus the shared contracts and platform, with Sales' real bindings.
export default workerProject({
  name: "sales",
  config: "wrangler.toml",
  include: ["workers/sales/**/*.test.ts", "src/**/*.test.ts"],
  bindings: () => ({ ADMIN_TOKEN: "test-admin-token", DEFAULT_PAYMENT_METHOD: "pm_card_visa" }),
  workers: [echo("warehouse"), echo("projections")],
});
