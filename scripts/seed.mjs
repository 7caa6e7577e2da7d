// Seeds the demo catalog (Sales) and stock levels (Warehouse) through the admin API, and has
// the webhook registry publish its (empty) subscriptions.
// Products are upserted; stock is only set for SKUs Warehouse does not know yet, so a
// restart of `npm run dev` keeps the stock your orders consumed.
import { readFileSync } from "node:fs";

const base = process.env.CHOREO_URL ?? "http://127.0.0.1:8787";
const token = process.env.ADMIN_TOKEN ?? "dev-admin-token";
const { products } = JSON.parse(readFileSync(new URL("./demo-catalog.json", import.meta.url), "utf8"));
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res.json();
}

const { stock } = await call("GET", "/admin/stock");
const stocked = new Set(stock.map((s) => s.sku));
for (const p of products) {
  await call("PUT", `/admin/products/${p.sku}`, { name: p.name, price: p.price, currency: p.currency });
  if (!stocked.has(p.sku)) await call("PUT", `/admin/stock/${p.sku}`, { available: p.stock, weightGrams: p.weightGrams });
}
// Wakes the webhook registry, which writes the event types its endpoints take to KV: until a
// registry has written them, publishers send every event to Integrations (the safe default).
await call("GET", "/admin/webhooks/endpoints?limit=1");
console.log(`seeded ${products.length} products (${products.map((p) => p.sku).join(", ")})`);
