// Sales as a call chain: validate and price the order exactly as Sales does, then charge it
// and buy its label before answering. Nothing is stored, so this is the chain at its cheapest;
// if Billing or Warehouse fails, the customer's order fails with it.
import { Hono } from "hono";
import catalog from "../../../scripts/demo-catalog.json" with { type: "json" };
import { newOrderId } from "../../../src/platform/ids";
import { PlaceOrderRequest } from "../../../workers/sales/api/schemas";
import { priceItems } from "../../../workers/sales/pricing";

type SyncSalesEnv = { BILLING: Fetcher; WAREHOUSE: Fetcher; DEFAULT_PAYMENT_METHOD: string };

// Sales' own pricing, over the demo catalog (the sync chain keeps no catalog object).
const products = catalog.products.map((product) => ({ ...product, updatedAt: "" }));

const app = new Hono<{ Bindings: SyncSalesEnv }>();

app.post("/orders", async (c) => {
  const request = PlaceOrderRequest.safeParse(await c.req.json().catch(() => null));
  if (!request.success) return c.json({ error: "invalid order" }, 422);
  const { customer, items, shippingAddress } = request.data;
  const priced = priceItems(items, products);
  const orderId = newOrderId();
  const call = (service: Fetcher, path: string, body: unknown) =>
    service.fetch(`https://internal${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  const charge = await call(c.env.BILLING, "/charge", {
    orderId,
    amount: priced.total,
    currency: priced.currency,
    paymentMethod: request.data.paymentMethod ?? c.env.DEFAULT_PAYMENT_METHOD,
    customerEmail: customer.email,
  });
  if (!charge.ok) return c.json({ error: `billing failed: ${await charge.text()}` }, 503);
  const label = await call(c.env.WAREHOUSE, "/label", { orderId, to: { name: customer.name, address: shippingAddress }, weightGrams: 500 });
  if (!label.ok) return c.json({ error: `warehouse failed: ${await label.text()}` }, 503);
  return c.json({ id: orderId, status: "ready_to_ship", total: priced.total, payment: await charge.json(), label: await label.json() }, 201);
});

export default app;
