import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orderStatusKey, orderStatusView, OrderStatusView } from "../../../src/contracts/order-status";
import { orderObject } from "../place-order";
import type { SalesApiEnv } from "./orders";
import { assertOrderId, OrderIdParam, orderNotFound, problemResponse } from "./schemas";

/** KV serves a value from the edge location's cache for this long (KV's minimum). */
const KV_CACHE_TTL_SECONDS = 30;

const statusRoute = createRoute({
  method: "get",
  path: "/orders/{id}/status",
  summary: "An order's status, from the edge cache",
  description:
    "Served from Workers KV, which the projections worker keeps current from order.status_changed events (never with an older version). " +
    "May lag the order by the queue delay plus up to a minute of KV propagation; `X-Status-Source: cache` or `order` (not projected yet) says where it came from.",
  request: { params: OrderIdParam },
  responses: {
    200: { description: "The status", content: { "application/json": { schema: OrderStatusView.meta({ id: "OrderStatusView" }) } } },
    404: problemResponse("No such order"),
  },
});

/** Public status reads: KV first, so a busy order page never wakes the Order object. */
export function registerOrderStatusRoute(app: OpenAPIHono<SalesApiEnv>): void {
  app.openapi(statusRoute, async (c) => {
    const { id } = c.req.valid("param");
    assertOrderId(id);
    const cached = await c.env.ORDER_STATUS.get<OrderStatusView>(orderStatusKey(id), { type: "json", cacheTtl: KV_CACHE_TTL_SECONDS });
    if (cached) return c.json(cached, 200, { "x-status-source": "cache" });
    // A miss is an order placed moments ago (or none): ask its object once.
    const order = await orderObject(c.var.stores, id).view();
    if (!order) throw orderNotFound(id);
    return c.json(orderStatusView(order), 200, { "x-status-source": "order" });
  });
}
