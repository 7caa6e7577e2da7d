import { echoWorker, workerProject } from "../../test/worker-project.ts";

/**
 * Projections as Sales sees it: the admin API (echoed, like the other forwards) and the order
 * statuses it has projected, which a test sets with PUT /orders/:id/status (`{"fail": true}`:
 * answer 503 for that order, as a projection that is down would).
 */
const projectionsStandIn = {
  ...echoWorker("projections"),
  script: `const statuses = new Map();
  export default { async fetch(request) {
    const path = new URL(request.url).pathname;
    const status = /^\\/orders\\/([^/]+)\\/status$/.exec(path);
    if (status && request.method === "PUT") { statuses.set(status[1], await request.json()); return new Response(null, { status: 204 }); }
    if (status) {
      const view = statuses.get(status[1]);
      if (!view) return Response.json({ status: 404 }, { status: 404 });
      return view.fail ? new Response("down", { status: 503 }) : Response.json(view);
    }
    return Response.json({ forwardedTo: "projections", method: request.method, path, authorization: request.headers.get("authorization"), body: await request.text() });
  } };`,
};

/** A project of Sales' tests with Sales' real bindings. */
export const salesProject = (options: { name: string; include: string[]; exclude?: string[]; rateLimits?: Record<string, number> }) =>
  workerProject({
    ...options,
    config: "wrangler.toml",
    bindings: () => ({ ADMIN_TOKEN: "test-admin-token", ORDER_SECRET_KEY: "test-order-secret-key", DEFAULT_PAYMENT_METHOD: "pm_card_visa" }),
    tap: ["billing"],
    // Sales forwards admin APIs to these workers; the stand-ins echo what they received.
    workers: [echoWorker("warehouse"), echoWorker("integrations"), echoWorker("dead-letters"), projectionsStandIn],
  });

// Sales' unit tests, plus the shared contracts and platform. The rate-limit tests run in their
// own project (vitest.rate-limits.config.ts), with small limits; here nothing is throttled.
export default salesProject({
  name: "sales",
  include: ["workers/sales/**/*.test.ts", "src/**/*.test.ts"],
  exclude: ["workers/sales/api/rate-limits.test.ts"],
});
