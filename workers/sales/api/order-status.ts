import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orderStatusView, OrderStatusView } from "../../../src/contracts/order-status";
import { TERMINAL } from "../order-lifecycle";
import { orderObject } from "../place-order";
import type { SalesApiEnv } from "./orders";
import { assertOrderId, OrderIdParam, orderNotFound, problemResponse } from "./schemas";

/** A terminal status never changes again, so the edge may keep it this long. */
const TERMINAL_STATUS_CACHE_SECONDS = 86_400;

const statusRoute = createRoute({
  method: "get",
  path: "/orders/{id}/status",
  summary: "An order's status, from the projection",
  description:
    "Served from the reporting read model, which the projections worker keeps current from order.status_changed snapshots (never with an older version); " +
    "a terminal status (ready_to_ship, billing_failed, cancelled) is then kept in the edge cache. May lag the order by the queue delay; " +
    "`X-Status-Source: cache` (the projection or its edge copy) or `order` (not projected yet, or the projection unreachable) says where it came from.",
  request: { params: OrderIdParam },
  responses: {
    200: { description: "The status", content: { "application/json": { schema: OrderStatusView.meta({ id: "OrderStatusView" }) } } },
    404: problemResponse("No such order"),
  },
});

const edgeKey = (id: string) => new Request(`https://order-status.cache/orders/${id}/status`);

/** The projection's view of the order; undefined when it has none or cannot answer. */
async function projectedStatus(projections: Fetcher, id: string): Promise<OrderStatusView | undefined> {
  try {
    const res = await projections.fetch(`https://projections/orders/${id}/status`);
    if (!res.ok) return undefined;
    const view = OrderStatusView.safeParse(await res.json());
    return view.success ? view.data : undefined;
  } catch (error) {
    // Projections being down only costs a wake-up of the Order object, never an error.
    console.warn(JSON.stringify({ level: "warn", message: "order status: projections unreachable", orderId: id, error: String(error) }));
    return undefined;
  }
}

/**
 * Public status reads: the edge cache, then the read model (one D1 row through the
 * projections worker), so a busy order page does not wake the Order object.
 */
export function registerOrderStatusRoute(app: OpenAPIHono<SalesApiEnv>): void {
  app.openapi(statusRoute, async (c) => {
    const { id } = c.req.valid("param");
    assertOrderId(id);
    const edge = caches.default;
    const kept = await edge.match(edgeKey(id));
    if (kept) return c.json(OrderStatusView.parse(await kept.json()), 200, { "x-status-source": "cache" });
    const projected = await projectedStatus(c.env.PROJECTIONS, id);
    if (projected) {
      if (TERMINAL.has(projected.status)) {
        const copy = Response.json(projected, { headers: { "cache-control": `max-age=${TERMINAL_STATUS_CACHE_SECONDS}` } });
        c.executionCtx.waitUntil(edge.put(edgeKey(id), copy));
      }
      return c.json(projected, 200, { "x-status-source": "cache" });
    }
    // Nothing projected yet: an order placed moments ago (or none). Ask its object once.
    const order = await orderObject(c.var.stores, id).view(id);
    if (!order) throw orderNotFound(id);
    return c.json(orderStatusView(order), 200, { "x-status-source": "order" });
  });
}
