import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ORDER_ID } from "../../../src/contracts/values";
import { adminOnly, bearerToken, isAdmin, requireAdmin } from "../../../src/platform/auth";
import { cursorParam, limitParam, readCursor } from "../../../src/platform/paging";
import { Problem } from "../../../src/platform/problem";
import { clientSecretFor, isClientSecretOf } from "../order-secret";
import { orderObject, placeOrder, type SalesStores } from "../place-order";
import { stuckOrdersOf } from "../stuck-orders";
import { limitOrders, rateLimitedResponse } from "./rate-limits";
import {
  AdminOrder,
  adminView,
  assertOrderId,
  CustomerOrder,
  customerView,
  OrderIdParam,
  orderNotFound,
  PlacedOrder,
  PlaceOrderRequest,
  problemResponse,
  PublicOrder,
  publicView,
} from "./schemas";

export type SalesApiEnv = { Bindings: SalesEnv; Variables: { stores: SalesStores; ordersFromAddress: Promise<boolean> } };

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 printable ASCII characters")
    .optional()
    .meta({ description: "Makes retries safe: same key and body return the same order for 24 hours." }),
});

/** The order's own customer (its client secret) or an admin (the admin token). */
const CUSTOMER_OR_ADMIN: Record<string, string[]>[] = [{ orderSecret: [] }, { adminToken: [] }];

const placeOrderRoute = createRoute({
  method: "post",
  path: "/orders",
  summary: "Place an order",
  description:
    "Validates and prices the order from the catalog, stores it and publishes order.placed. The rest of the workflow (billing, allocation, label) happens asynchronously; poll the order or subscribe to webhooks. " +
    "The response carries the order's `clientSecret`, the customer's proof for reading the order's contact details and for cancelling it; it is not sent anywhere else.",
  request: {
    headers: IdempotencyHeaders,
    body: { content: { "application/json": { schema: PlaceOrderRequest } }, required: true },
  },
  responses: {
    202: {
      description: "Accepted; the order is placed and moves on asynchronously.",
      headers: { Location: { schema: { type: "string" }, description: "The order's URL" } },
      content: { "application/json": { schema: PlacedOrder } },
    },
    400: problemResponse("Malformed JSON"),
    413: problemResponse("Body over 64 KiB"),
    415: problemResponse("Body is not application/json"),
    422: problemResponse("Invalid fields, unknown SKU, or an Idempotency-Key reused with another body"),
    429: rateLimitedResponse("Too many orders from this client address, or for this customer (email or phone)"),
    503: problemResponse("ORDER_SECRET_KEY is not set: no order is taken"),
  },
});

const getOrderRoute = createRoute({
  method: "get",
  path: "/orders/{id}",
  summary: "Get an order with its timeline",
  description:
    "Without credentials, the public view: no contact data. With `Authorization: Bearer <clientSecret>` (from the placement response) the customer's view adds the customer and the shipping address; " +
    "with `Authorization: Bearer <ADMIN_TOKEN>` the admin view adds provider references and `flow`: choreography, or the order's Workflow instance and its steps (orchestration).",
  request: { params: OrderIdParam },
  security: [{}, ...CUSTOMER_OR_ADMIN],
  responses: {
    200: { description: "The order", content: { "application/json": { schema: z.union([PublicOrder, CustomerOrder, AdminOrder]) } } },
    401: problemResponse("Authorization header present but neither this order's client secret nor the admin token"),
    404: problemResponse("No such order"),
  },
});

const cancelOrderRoute = createRoute({
  method: "post",
  path: "/orders/{id}/cancel",
  summary: "Cancel an order",
  description:
    "Allowed until the order has a shipping label, to its customer (`Authorization: Bearer <clientSecret>` from the placement response) or an admin. The order becomes `cancelled` at once; a charge is refunded and allocated stock released asynchronously (order.cancelled). Cancelling twice returns the cancelled order.",
  request: { params: OrderIdParam },
  security: CUSTOMER_OR_ADMIN,
  responses: {
    202: { description: "Cancelled; refund and stock release follow", content: { "application/json": { schema: PublicOrder } } },
    200: { description: "Was already cancelled", content: { "application/json": { schema: PublicOrder } } },
    401: problemResponse("Neither this order's client secret nor the admin token; nothing changed"),
    404: problemResponse("No such order"),
    409: problemResponse("Too late: the order has a label, or already ended"),
  },
});

const stuckOrdersRoute = createRoute({
  method: "get",
  path: "/admin/orders/stuck",
  summary: "Orders waiting too long at one stage (admin)",
  description:
    "Reported by each order's watchdog after STUCK_AFTER_SECONDS in `placed` or `billed`; an order leaves the list when it moves on, or STUCK_RETENTION_DAYS after its report. A page at a time: pass `nextCursor` back as `cursor`.",
  request: { query: z.object({ limit: limitParam(100), cursor: cursorParam(ORDER_ID).optional() }) },
  responses: {
    200: {
      description: "Stuck orders, oldest first",
      content: {
        "application/json": {
          schema: z.object({
            orders: z.array(z.object({ orderId: z.string(), status: z.string(), since: z.string(), reportedAt: z.string() })),
            nextCursor: z.string().optional(),
          }),
        },
      },
    },
    401: problemResponse("Missing or wrong admin token"),
    422: problemResponse("Invalid limit or cursor"),
  },
});

/**
 * Who asks about order `id`: anyone (no Authorization header), its customer (the order's client
 * secret) or an admin. Any other credential is a 401, never a silent fall-back to less.
 */
async function callerOf(env: SalesEnv, authorization: string | undefined, id: string): Promise<"anyone" | "customer" | "admin"> {
  if (authorization === undefined) return "anyone";
  const token = bearerToken(authorization);
  if (token && env.ORDER_SECRET_KEY && (await isClientSecretOf(id, token, env.ORDER_SECRET_KEY))) return "customer";
  if (await isAdmin(authorization, env.ADMIN_TOKEN)) return "admin";
  throw credentialsRequired();
}

const credentialsRequired = () =>
  new Problem(401, "unauthorized", "Order secret or admin credentials required", "Send Authorization: Bearer <the clientSecret returned when the order was placed>, or the admin token.");

export function registerOrderRoutes(app: OpenAPIHono<SalesApiEnv>): void {
  app.openapi(placeOrderRoute, async (c) => {
    const secretKey = c.env.ORDER_SECRET_KEY;
    // An order its customer could never cancel is not taken.
    if (!secretKey) throw new Problem(503, "orders-disabled", "Orders are not taken", "Set the ORDER_SECRET_KEY secret to take orders.");
    const request = c.req.valid("json");
    const result = await placeOrder(c.var.stores, request, {
      admit: (customerId) => limitOrders(c.env, c.var.ordersFromAddress ?? Promise.resolve(true), request.customer, customerId),
      idempotencyKey: c.req.valid("header")["idempotency-key"],
      defaultPaymentMethod: c.env.DEFAULT_PAYMENT_METHOD || undefined,
    });
    const headers: Record<string, string> = { "content-type": "application/json", location: `/orders/${result.orderId}` };
    if (result.replayed) headers["idempotent-replayed"] = "true";
    const body = { ...result.view, clientSecret: await clientSecretFor(result.orderId, secretKey) };
    return new Response(JSON.stringify(body), { status: result.status, headers }) as never;
  });

  app.openapi(cancelOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    // Checked before the id, so a caller without credentials learns nothing about the order.
    if ((await callerOf(c.env, c.req.header("authorization"), id)) === "anyone") throw credentialsRequired();
    assertOrderId(id);
    const result = await orderObject(c.var.stores, id).cancel(id);
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
    const { limit, cursor } = c.req.valid("query");
    return c.json(await stuckOrdersOf(c.env).list({ limit, ...(cursor ? { after: readCursor(cursor, ORDER_ID)! } : {}) }), 200);
  });

  app.openapi(getOrderRoute, async (c) => {
    const { id } = c.req.valid("param");
    const caller = await callerOf(c.env, c.req.header("authorization"), id);
    assertOrderId(id);
    const object = orderObject(c.var.stores, id);
    // Only an admin sees which flow ran the order; one call either way.
    if (caller === "admin") {
      const found = await object.withFlow(id);
      if (!found) throw orderNotFound(id);
      return c.json(adminView(found.order, found.flow), 200);
    }
    const order = await object.view(id);
    if (!order) throw orderNotFound(id);
    return c.json((caller === "customer" ? customerView : publicView)(order), 200);
  });
}
