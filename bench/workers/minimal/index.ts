// The least a durable accept can do, the baseline for choreo's `POST /orders`: validate the
// body with the schema Sales uses, store it as one row in a new object of its own (one RPC),
// answer 202, and only then publish it (one queue send, after the response).
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { PlaceOrderRequest } from "../../../workers/sales/api/schemas";

type MinimalEnv = { ORDERS: DurableObjectNamespace<AcceptedOrder>; ACCEPTED: Queue };

export class AcceptedOrder extends DurableObject<MinimalEnv> {
  constructor(ctx: DurableObjectState, env: MinimalEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS accepted (body TEXT NOT NULL)");
  }

  accept(body: string): void {
    this.ctx.storage.sql.exec("INSERT INTO accepted (body) VALUES (?)", body);
  }
}

const app = new Hono<{ Bindings: MinimalEnv }>();

app.post("/orders", async (c) => {
  const request = PlaceOrderRequest.safeParse(await c.req.json().catch(() => null));
  if (!request.success) return c.json({ error: "invalid order" }, 422);
  const id = crypto.randomUUID();
  await c.env.ORDERS.get(c.env.ORDERS.idFromName(id)).accept(JSON.stringify(request.data));
  c.executionCtx.waitUntil(c.env.ACCEPTED.send({ id }, { contentType: "json" }));
  return c.json({ id }, 202);
});

export default app;
