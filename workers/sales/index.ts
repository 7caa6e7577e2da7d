import { consumeBatch } from "../../src/platform/consumer";
import { createSalesApi } from "./api/app";
import { orderEventHandlers } from "./order-events";
import type { SalesStores } from "./place-order";
import { PriceList } from "./price-list";

export { Catalog } from "./catalog";
export { Order } from "./order";
export { StuckOrders } from "./stuck-orders";

// One per isolate: the prices outlive a request, so most orders never ask the Catalog object.
const prices = new PriceList();

const stores = (env: SalesEnv): SalesStores => ({
  orders: env.ORDERS,
  catalog: env.CATALOG,
  prices,
  pricesFreshForMs: Math.max(0, Number(env.CATALOG_CACHE_SECONDS) || 0) * 1000,
});

const api = createSalesApi(stores);

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, { handlers: orderEventHandlers(stores(env)), deadLetters: env.DEAD_LETTERS });
  },
} satisfies ExportedHandler<SalesEnv>;
