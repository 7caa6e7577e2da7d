import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { adminOnly } from "../../../src/platform/auth";
import { catalogOf } from "../place-order";
import type { SalesApiEnv } from "./orders";
import { problemResponse, ProductInputSchema, ProductSchema, SkuParam } from "./schemas";

const listRoute = createRoute({
  method: "get",
  path: "/products",
  summary: "List the catalog",
  responses: { 200: { description: "Every product with its price", content: { "application/json": { schema: z.object({ products: z.array(ProductSchema) }) } } } },
});

const putRoute = createRoute({
  method: "put",
  path: "/admin/products/{sku}",
  summary: "Create or update a product (admin)",
  description:
    "New orders use the new price at once through the instance that took the change, and everywhere within CATALOG_CACHE_SECONDS (30 s by default); orders already placed keep their price.",
  security: [{ adminToken: [] }],
  request: {
    params: SkuParam,
    body: { content: { "application/json": { schema: ProductInputSchema } }, required: true },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: ProductSchema } } },
    201: { description: "Created", content: { "application/json": { schema: ProductSchema } } },
    401: problemResponse("Missing or wrong admin token"),
    422: problemResponse("Invalid product"),
  },
});

export function registerProductRoutes(app: OpenAPIHono<SalesApiEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { stores } = c.var;
    return c.json({ products: await stores.prices.catalogue(catalogOf(stores), stores.pricesFreshForMs) }, 200);
  });

  // Authorization is checked before the body is validated, so strangers learn nothing.
  app.use("/admin/products/*", adminOnly);
  app.openapi(putRoute, async (c) => {
    const { sku } = c.req.valid("param");
    const { stores } = c.var;
    const { product, created } = await catalogOf(stores).upsert(sku, c.req.valid("json"));
    stores.prices.remember(product, stores.pricesFreshForMs); // this isolate prices the next order at once
    return created ? c.json(product, 201) : c.json(product, 200);
  });
}
