import { consumeBatch } from "../../src/platform/consumer";
import { orderEventHandlers } from "./order-events";
import { createStockApi } from "./stock-api";

export { StockDirectory, StockItem } from "./inventory";
export { Shipment } from "./shipment";

const api = createStockApi();

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, { handlers: orderEventHandlers(env.SHIPMENTS), deadLetters: env.DEAD_LETTERS });
  },
} satisfies ExportedHandler<WarehouseEnv>;
