import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { OrderStatusView } from "../../src/contracts/order-status";
import { ORDER_ID, OrderId, OrderStatus } from "../../src/contracts/values";
import { createAdminApi, problemResponse, Problem, validationProblem } from "../../src/platform/http";
import { FlowSummary, flowSummary } from "./flow";
import { LAKE_KEY, LAKE_PREFIX } from "./lake";
import { orderStatusOf } from "./read-model";
import { rebuildPage } from "./rebuild";
import { DailySales, Day, listOrders, ReportedOrder, salesPerDay, StageLatency, stageLatency, TopSku, topSkus, type DayRange } from "./reports";

type AdminApiEnv = { Bindings: ProjectionsEnv };

const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const refusals = { 401: problemResponse("Missing or wrong admin token"), 422: problemResponse("Invalid parameters; `errors` lists them") };

const RangeQuery = z.object({
  from: Day.optional().meta({ description: "First placed day (UTC), inclusive; default: 29 days before `to`" }),
  to: Day.optional().meta({ description: "Last placed day (UTC), inclusive; default: today" }),
});

/** Resolves the defaults and refuses ranges that are backwards or longer than a year. */
function rangeOf(query: z.infer<typeof RangeQuery>, now = Date.now()): DayRange {
  const to = query.to ?? new Date(now).toISOString().slice(0, 10);
  const from = query.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw validationProblem([{ path: "from", message: "must not be after `to`" }]);
  if (days > MAX_RANGE_DAYS) throw validationProblem([{ path: "from", message: `the range may span at most ${MAX_RANGE_DAYS} days` }]);
  return { from, to };
}

const OrdersQuery = RangeQuery.extend({
  status: OrderStatus.optional(),
  customer: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "expected a customer id such as cus_3f1c…").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(512).optional().meta({ description: "`nextCursor` of the previous page" }),
});

/** A page's cursor: the id of its last order (ids sort by placing time), opaque to clients. */
const encodeCursor = (orderId: string) => btoa(orderId).replace(/=+$/, "");
function decodeCursor(cursor: string): string {
  let orderId: string | undefined;
  try {
    orderId = atob(cursor);
  } catch {
    orderId = undefined;
  }
  if (!orderId || !ORDER_ID.test(orderId)) throw validationProblem([{ path: "cursor", message: "not a cursor this API returned" }]);
  return orderId;
}

const ordersRoute = createRoute({
  method: "get",
  path: "/admin/reports/orders",
  summary: "Orders from the reporting read model, newest first (admin)",
  description: "Filters combine. The date range applies only when `from` or `to` is given. Pages follow `nextCursor`.",
  security: [{ adminToken: [] }],
  request: { query: OrdersQuery },
  responses: {
    200: {
      description: "One page",
      content: { "application/json": { schema: z.object({ orders: z.array(ReportedOrder), nextCursor: z.string().optional() }) } },
    },
    ...refusals,
  },
});

const salesRoute = createRoute({
  method: "get",
  path: "/admin/reports/sales-per-day",
  summary: "Orders and revenue per placed day and currency (admin)",
  description: "`revenue` is billed minus refunded, in minor units.",
  security: [{ adminToken: [] }],
  request: { query: RangeQuery },
  responses: { 200: { description: "Days with orders", content: { "application/json": { schema: z.object({ days: z.array(DailySales) }) } } }, ...refusals },
});

const latencyRoute = createRoute({
  method: "get",
  path: "/admin/reports/stage-latency",
  summary: "p50/p95 of placed→billed→ready_to_ship per placed day (admin)",
  security: [{ adminToken: [] }],
  request: { query: RangeQuery },
  responses: { 200: { description: "Per day and stage", content: { "application/json": { schema: z.object({ days: z.array(StageLatency) }) } } }, ...refusals },
});

const topSkusRoute = createRoute({
  method: "get",
  path: "/admin/reports/top-skus",
  summary: "Best-selling SKUs by units (admin)",
  description: "Orders that failed billing or were cancelled are left out.",
  security: [{ adminToken: [] }],
  request: { query: RangeQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) }) },
  responses: { 200: { description: "SKUs, most units first", content: { "application/json": { schema: z.object({ skus: z.array(TopSku) }) } } }, ...refusals },
});

const flowRoute = createRoute({
  method: "get",
  path: "/admin/reports/flow",
  summary: "The pipeline now: orders per status, per minute and stage times over the last minutes (admin)",
  description: "Orders placed in the last `minutes` (default 60), by their current status; placed and ready_to_ship per minute; p50/p95 per stage. The operations console's Flow page.",
  security: [{ adminToken: [] }],
  request: { query: z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) }) },
  responses: { 200: { description: "The summary", content: { "application/json": { schema: FlowSummary } } }, ...refusals },
});

const RebuildPageSchema = z
  .object({ objects: z.number().int(), events: z.number().int(), skipped: z.number().int(), done: z.boolean(), cursor: z.string().optional() })
  .meta({ id: "RebuildPage" });

const rebuildRoute = createRoute({
  method: "post",
  path: "/admin/reports/rebuild",
  summary: "Rebuild the read model from the lake, one page per call (admin)",
  description:
    "Without `cursor` the read-model tables are emptied first. Call again with the returned `cursor` until `done`; `npm run reporting:rebuild` does this.",
  security: [{ adminToken: [] }],
  request: { body: { content: { "application/json": { schema: z.strictObject({ cursor: z.string().min(1).max(1024).optional() }) } }, required: true } },
  responses: { 200: { description: "What this page replayed", content: { "application/json": { schema: RebuildPageSchema } } }, ...refusals },
});

const lakeListRoute = createRoute({
  method: "get",
  path: "/admin/lake/objects",
  summary: "List lake objects (admin)",
  security: [{ adminToken: [] }],
  request: { query: z.object({ cursor: z.string().max(1024).optional(), limit: z.coerce.number().int().min(1).max(1000).default(1000) }) },
  responses: {
    200: {
      description: "Object keys under events/",
      content: {
        "application/json": {
          schema: z.object({ objects: z.array(z.object({ key: z.string(), size: z.number().int(), uploaded: z.string() })), cursor: z.string().optional() }),
        },
      },
    },
    ...refusals,
  },
});

const lakeGetRoute = createRoute({
  method: "get",
  path: "/admin/lake/object",
  summary: "Download one lake object, gzip NDJSON (admin)",
  security: [{ adminToken: [] }],
  request: { query: z.object({ key: z.string().regex(LAKE_KEY, "expected a lake object key from /admin/lake/objects") }) },
  responses: {
    200: { description: "The object's bytes", content: { "application/gzip": { schema: z.string().meta({ format: "binary" }) } } },
    404: problemResponse("No such object"),
    ...refusals,
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/orders/{id}/status",
  summary: "An order's status from the read model (for Sales' GET /orders/:id/status)",
  description: "Not public: the projections worker has no route of its own; only Sales calls this, over its service binding.",
  request: { params: z.object({ id: OrderId }) },
  responses: {
    200: { description: "The status as of the newest snapshot projected", content: { "application/json": { schema: OrderStatusView } } },
    404: problemResponse("No snapshot of this order projected yet"),
    422: problemResponse("Not an order id"),
  },
});

/** The projections API: reports, rebuild and lake export (admin), and order statuses for Sales. */
export function createProjectionsApi() {
  const app = createAdminApi<AdminApiEnv>("projections");

  app.openapi(statusRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await orderStatusOf(c.env.REPORTING, id);
    if (!view) throw new Problem(404, "order-status-not-projected", "No status projected", `No snapshot of ${id} has been projected yet.`);
    return c.json(view, 200);
  });
  app.openapi(ordersRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await listOrders(c.env.REPORTING, {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.customer ? { customer: query.customer } : {}),
      ...(query.from || query.to ? { range: rangeOf(query) } : {}),
      ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
    });
    return c.json({ orders: page.orders, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) }, 200);
  });
  app.openapi(salesRoute, async (c) => c.json({ days: await salesPerDay(c.env.REPORTING, rangeOf(c.req.valid("query"))) }, 200));
  app.openapi(latencyRoute, async (c) => c.json({ days: await stageLatency(c.env.REPORTING, rangeOf(c.req.valid("query"))) }, 200));
  app.openapi(topSkusRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json({ skus: await topSkus(c.env.REPORTING, rangeOf(query), query.limit) }, 200);
  });
  app.openapi(flowRoute, async (c) => c.json(await flowSummary(c.env.REPORTING, c.req.valid("query").minutes), 200));
  app.openapi(rebuildRoute, async (c) => c.json(await rebuildPage(c.env.REPORTING, c.env.LAKE, c.req.valid("json").cursor), 200));

  app.openapi(lakeListRoute, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const listed = await c.env.LAKE.list({ prefix: LAKE_PREFIX, limit, ...(cursor ? { cursor } : {}) });
    const objects = listed.objects.map((o) => ({ key: o.key, size: o.size, uploaded: o.uploaded.toISOString() }));
    return c.json({ objects, ...(listed.truncated ? { cursor: listed.cursor } : {}) }, 200);
  });
  app.openapi(lakeGetRoute, async (c) => {
    const { key } = c.req.valid("query");
    const object = await c.env.LAKE.get(key);
    if (!object) throw new Problem(404, "lake-object-not-found", "No such lake object", `There is no object ${key}.`);
    return new Response(object.body, { headers: { "content-type": "application/gzip", "content-length": String(object.size) } }) as never;
  });

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "choreo projections admin API", version: "1.0.0" } });
  return app;
}
