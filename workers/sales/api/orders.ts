import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { adminOnly, requireAdmin } from "../../../src/platform/auth";
import { Problem } from "../../../src/platform/problem";
import { orderObject, placeOrder, type SalesStores } from "../place-order";
import { stuckOrdersOf } from "../stuck-orders";
import { limitCustomerOrders, rateLimitedResponse } from "./rate-limits";
import { AdminOrder, adminView, assertOrderId, OrderIdParam, orderNotFound, PlaceOrderRequest, problemResponse, PublicOrder, publicView } from "./schemas";

export type SalesApiEnv = { Bindings: SalesEnv; Variables: { stores: SalesStores } };

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 printable ASCII characters")
    .optional()
    .meta({ description: "Makes retries safe: same key and body return the same order for 24 hours." }),
});

const placeOrderRoute = createRoute({
  method: "post",
  path: "/orders",
  summary: "Place an order",
  description:
    "Validates and prices the order from the catalog, stores it and publishes order.placed. The rest of the workflow (billing, allocation, label) happens asynchronously; poll the order or subscribe to webhooks.",
  request: {
    headers: IdempotencyHeaders,
    body: { content: { "application/json": { schema: PlaceOrderRequest } }, required: true },
  },
  responses: {
    202: {
      description: "Accepted; the order is placed and moves on asynchronously.",
      headers: { Location: { schema: { type: "string" }, description: "The order's URL" } },
      content: { "application/json": { schema: PublicOrder } },
    },
    400: problemResponse("Malformed JSON"),
    413: problemResponse("Body over 64 KiB"),
    415: problemResponse("Body is not application/json"),
    422: problemResponse("Invalid fields, unknown SKU, or an Idempotency-Key reused with another body"),
    429: rateLimitedResponse("Too many orders from this client address, or for this customer (email or phone)"),
  },
});

const getOrderRoute = createRoute({
  method: "get",
  path: "/orders/{id}",
  summary: "Get an order with its timeline",
  description: "Public view without contact data; with `Authorization: Bearer <ADMIN_TOKEN>` the admin view adds customer, address and provider references.",
  request: { params: OrderIdParam },

  responses: {
    200: { description: "The order", content: { "application/json": { schema: z.union([PublicOrder, AdminOrder]) } } },
    401: problemResponse("Authorization header present but not a valid admin token"),
    404: problemResponse("No such order"),
  },
});

const cancelOrderRoute = createRoute({
  method: "post",
  path: "/orders/{id}/cancel",
  summary: "Cancel an order",
  description:
    "Allowed until the order has a shipping label. The order becomes `cancelled` at once; a charge is refunded and allocated stock released asynchronously (order.cancelled). Cancelling twice returns the cancelled order.",
  request: { params: OrderIdParam },
  responses: {
    202: { description: "Cancelled; refund and stock release follow", content: { "application/json": { schema: PublicOrder } } },
    200: { description: "Was already cancelled", content: { "application/json": { schema: PublicOrder } } },
    404: problemResponse("No such order"),
    409: problemResponse("Too late: the order has a label, or already ended"),
  },
});

const stuckOrdersRoute = createRoute({
  method: "get",
  path: "/admin/orders/stuck",
  summary: "Orders waiting too long at one stage (admin)",
  description: "Reported by each order's watchdog after STUCK_AFTER_SECONDS in `placed` or `billed`; an order leaves the list when it moves on.",
  responses: {
    200: {
      description: "Stuck orders, oldest first",
      content: {
        "application/json": {
          schema: z.object({ orders: z.array(z.object({ orderId: z.string(), status: z.string(), since: z.string(), reportedAt: z.string() })) }),
        },
      },
    },
    401: problemResponse("Missing or wrong admin token"),
  },
});

export function registerOrderRoutes(app: OpenAPIHono<SalesApiEnv>): void {
  app.openapi(placeOrderRoute, async (c) => {
    const request = c.req.valid("json");
    await limitCustomerOrders(c.env, request.customer);
    const result = await placeOrder(c.var.stores, request, {
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      defaultPaymentMethod: c.env.DEFAULT_PAYMENT_METHOD || undefined,
    });
    const headers: Record<string, string> = { "content-type": "application/json", location: `/orders/${result.orderId}` };
    if (result.replayed) headers["idempotent-replayed"] = "true";
    return new Response(result.body, { status: result.status, headers }) as never;
  });

  app.openapi(cancelOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    assertOrderId(id);
    const result = await orderObject(c.var.stores, id).cancel();
    if (!result) throw orderNotFound(id);
    if (result.kind === "too_late") {
      throw new Problem(409, "order-not-cancellable", "Order can no longer be cancelled", `The order is ${result.order.status}.`, {
        orderStatus: result.order.status,
      });
    }
    return c.json(publicView(result.order), result.kind === "cancelled" ? 202 : 200);
  });

  app.use("/admin/orders/*", adminOnly);
  app.openapi(stuckOrdersRoute, async (c) => {
    return c.json({ orders: await stuckOrdersOf(c.env).list() }, 200);
  });

  app.openapi(getOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    const authorization = c.req.header("authorization");
    // A wrong token is an error, not a silent fall-back to the public view.
    const admin = authorization !== undefined;
    if (admin) await requireAdmin(authorization, c.env.ADMIN_TOKEN);
    assertOrderId(id);
    const order = await orderObject(c.var.stores, id).view();
    if (!order) throw orderNotFound(id);
    return c.json(admin ? adminView(order) : publicView(order), 200);
  });
}
