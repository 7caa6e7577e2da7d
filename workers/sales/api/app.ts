import { swaggerUI } from "@hono/swagger-ui";
import { asyncApiDocument } from "../../../src/contracts/asyncapi";
import { createApi, jsonBodyOnly } from "../../../src/platform/http";
import type { SalesStores } from "../place-order";
import { registerOrderStatusRoute } from "./order-status";
import { registerOrderRoutes, type SalesApiEnv } from "./orders";
import { registerProductRoutes } from "./products";

/** Admin APIs of other workers, reachable through the public edge over service bindings. */
const FORWARDED: readonly { prefix: string; binding: "WAREHOUSE" | "INTEGRATIONS" | "DEAD_LETTER_ARCHIVE" | "PROJECTIONS" }[] = [
  { prefix: "/admin/stock", binding: "WAREHOUSE" },
  { prefix: "/admin/webhooks", binding: "INTEGRATIONS" },
  { prefix: "/admin/notifications", binding: "INTEGRATIONS" },
  { prefix: "/admin/dead-letters", binding: "DEAD_LETTER_ARCHIVE" },
  { prefix: "/admin/reports", binding: "PROJECTIONS" },
  { prefix: "/admin/lake", binding: "PROJECTIONS" },
];

/** The public edge: order and catalog API, its OpenAPI document and docs page. */
export function createSalesApi(stores: (env: SalesEnv) => SalesStores) {
  const app = createApi<SalesApiEnv>();
  app.use("*", async (c, next) => {
    c.set("stores", stores(c.env));
    await next();
  });
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
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "choreo order API",
      version: "1.0.0",
      description:
        "Event-driven order system on Cloudflare Workers. Errors are RFC 9457 application/problem+json. Money is in minor units (cents).",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "choreo API" }));
  // The events' counterpart of /openapi.json, generated from the same contracts and topology.
  let events: ReturnType<typeof asyncApiDocument> | undefined;
  app.get("/asyncapi.json", (c) => c.json((events ??= asyncApiDocument())));
  return app;
}
