import { consumeBatch } from "../../src/platform/consumer";
import { orderEventHandlers } from "./order-events";

export { Invoice } from "./invoice";

export default {
  fetch: () => Response.json({ ok: true, service: "billing" }),
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, { handlers: orderEventHandlers(env.INVOICES), deadLetters: env.DEAD_LETTERS });
  },
} satisfies ExportedHandler<BillingEnv>;
