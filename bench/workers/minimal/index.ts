// The least a durable accept can do, the baseline for choreo's `POST /orders`: validate the
// body with the schema Sales uses, store it as one row in a new object of its own (one RPC),
// answer 202, and only then publish it (one queue send, after the response). Under the host
// minimal-limited.bench it also takes the three rate limits choreo's accept takes (client IP,
// email, phone; one round, limits too high to refuse), so the bench can show what they cost.
import { Hono } from "hono";
import { PlaceOrderRequest } from "../../../workers/sales/api/schemas";
import { OneRow } from "../one-row";

export { OneRow };
type MinimalEnv = { ORDERS: DurableObjectNamespace<OneRow>; ACCEPTED: Queue; PER_IP: RateLimit; PER_CUSTOMER: RateLimit };

const app = new Hono<{ Bindings: MinimalEnv }>();

app.post("/orders", async (c) => {
  const request = PlaceOrderRequest.safeParse(await c.req.json().catch(() => null));
  if (!request.success) return c.json({ error: "invalid order" }, 422);
  if (c.req.header("host") === "minimal-limited.bench") {
    const { email, phone } = request.data.customer;
    const counted = await Promise.all([
      c.env.PER_IP.limit({ key: `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}` }),
      c.env.PER_CUSTOMER.limit({ key: `customer:${email}` }),
      ...(phone ? [c.env.PER_CUSTOMER.limit({ key: `phone:${phone}` })] : []),
    ]);
    if (counted.some((result) => !result.success)) return c.json({ error: "rate limited" }, 429);
  }
  const id = crypto.randomUUID();
  await c.env.ORDERS.get(c.env.ORDERS.idFromName(id)).insert(JSON.stringify(request.data));
  c.executionCtx.waitUntil(c.env.ACCEPTED.send({ id }, { contentType: "json" }));
  return c.json({ id }, 202);
});

export default app;
