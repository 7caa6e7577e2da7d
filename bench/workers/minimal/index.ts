// The least a durable accept can do, the baseline for choreo's `POST /orders`: validate the
// body with the schema Sales uses, store it as one row in a new object of its own (one RPC),
// answer 202, and only then publish it (one queue send, after the response).
import { Hono } from "hono";
import { PlaceOrderRequest } from "../../../workers/sales/api/schemas";
import { OneRow } from "../one-row";

export { OneRow };
type MinimalEnv = { ORDERS: DurableObjectNamespace<OneRow>; ACCEPTED: Queue };

const app = new Hono<{ Bindings: MinimalEnv }>();

app.post("/orders", async (c) => {
  const request = PlaceOrderRequest.safeParse(await c.req.json().catch(() => null));
  if (!request.success) return c.json({ error: "invalid order" }, 422);
  const id = crypto.randomUUID();
  await c.env.ORDERS.get(c.env.ORDERS.idFromName(id)).insert(JSON.stringify(request.data));
  c.executionCtx.waitUntil(c.env.ACCEPTED.send({ id }, { contentType: "json" }));
  return c.json({ id }, 202);
});

export default app;
