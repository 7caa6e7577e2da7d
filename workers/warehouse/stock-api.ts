import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Sku } from "../../src/contracts/values";
import { createAdminApi, problemResponse } from "../../src/platform/http";
import { inventoryOf, StockInput, StockLevel } from "./inventory";

type StockApiEnv = { Bindings: WarehouseEnv };


/** Warehouse's admin API: stock levels. Reached directly or through the Sales edge. */
export function createStockApi() {
  const app = createAdminApi<StockApiEnv>("warehouse");

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/stock",
      summary: "Stock levels per SKU (admin)",
      responses: { 200: { description: "Stock", content: { "application/json": { schema: z.object({ stock: z.array(StockLevel) }) } } } },
    }),
    async (c) => c.json({ stock: await inventoryOf(c.env).list() }, 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/admin/stock/{sku}",
      summary: "Set the stock level of a SKU (admin)",
      request: {
        params: z.object({ sku: Sku }),
        body: { content: { "application/json": { schema: StockInput } }, required: true },
      },
      responses: {
        200: { description: "The new level", content: { "application/json": { schema: StockLevel } } },
        422: problemResponse("Invalid level"),
      },
    }),
    async (c) => c.json(await inventoryOf(c.env).setStock(c.req.valid("param").sku, c.req.valid("json")), 200),
  );

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "choreo warehouse admin API", version: "1.0.0" } });
  return app;
}
