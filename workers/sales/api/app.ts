import { swaggerUI } from "@hono/swagger-ui";
import { asyncApiDocument } from "../../../src/contracts/asyncapi";
import { createConsole } from "../console/app";
import { createApi, jsonBodyOnly } from "../../../src/platform/http";
import { FORWARDED, publicApiDocument } from "./api-document";
import type { SalesStores } from "../place-order";
import { registerOrderStatusRoute } from "./order-status";
import { registerOrderRoutes, type SalesApiEnv } from "./orders";
import { registerProductRoutes } from "./products";
import { ordersPerClientIp, perClientIp } from "./rate-limits";

/** The public edge: order and catalog API, its OpenAPI document and docs page. */
export function createSalesApi(stores: (env: SalesEnv) => SalesStores) {
  const app = createApi<SalesApiEnv>();
  app.use("*", async (c, next) => {
    c.set("stores", stores(c.env));
    await next();
  });
  // Counted before anything is read or checked: a flood (or a token guesser) costs least here.
  // Every admin API passes this edge (the other workers have no route of their own).
  app.use("/admin/*", perClientIp("ADMIN_PER_IP", "admin requests from this address"));
  app.on("POST", "/orders", ordersPerClientIp());
  // The operations console takes forms, not JSON, so it comes before the JSON guards; it reaches
  // data only by sending the admin API requests through this same app.
  app.route("/console", createConsole((request: Request, env: SalesEnv, ctx: ExecutionContext | undefined) => app.fetch(request, env, ctx)));
  app.use("*", ...jsonBodyOnly());

  app.get("/health", (c) => c.json({ ok: true, service: "sales" }));
  registerOrderRoutes(app);
  registerOrderStatusRoute(app);
  registerProductRoutes(app);

  for (const { prefix, binding } of FORWARDED) {
    const forward = (c: { env: SalesEnv; req: { raw: Request } }) => c.env[binding].fetch(c.req.raw);
    app.all(prefix, forward);
    app.all(`${prefix}/*`, forward);
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "orderSecret", {
    type: "http",
    scheme: "bearer",
    description: "The `clientSecret` of the placement response: the customer's access to their own order.",
  });
  const info = {
    title: "choreo order API",
    version: "1.0.0",
    description:
      "Event-driven order system on Cloudflare Workers: the public order API and every admin API reachable on this host. Errors are RFC 9457 application/problem+json. Money is in minor units (cents). Admin operations need `Authorization: Bearer <ADMIN_TOKEN>`.",
  };
  // The two documents describe themselves too, so every route on this host is in one of them.
  for (const [route, summary] of [
    ["/openapi.json", "This API as OpenAPI 3.1"],
    ["/asyncapi.json", "The event catalogue as AsyncAPI 3.0"],
  ] as const) {
    app.openAPIRegistry.registerPath({
      method: "get",
      path: route,
      summary,
      responses: { 200: { description: summary, content: { "application/json": { schema: { type: "object" } } } } },
    });
  }
  // Kept per isolate once every worker's part is in; a part missing is asked for again.
  let merged: unknown;
  app.get("/openapi.json", async (c) => {
    if (merged) return c.json(merged);
    const own = app.getOpenAPI31Document({ openapi: "3.1.0", info });
    const { document, complete } = await publicApiDocument(own as never, async (binding) => {
      const response = await c.env[binding].fetch(new Request("https://internal/openapi.json"));
      return response.ok ? ((await response.json()) as never) : undefined;
    });
    if (complete) merged = document;
    return c.json(document);
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "choreo API" }));
  // The events' counterpart of /openapi.json, generated from the same contracts and topology.
  let events: ReturnType<typeof asyncApiDocument> | undefined;
  app.get("/asyncapi.json", (c) => c.json((events ??= asyncApiDocument())));
  return app;
}
