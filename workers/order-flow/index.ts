import { consumeBatch } from "../../src/platform/consumer";
import { orderFlowHandlers } from "./start-flow";

export { OrderFlow } from "./order-flow";

export default {
  fetch: () => Response.json({ ok: true, service: "order-flow" }),
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, { handlers: orderFlowHandlers(env.ORDER_WORKFLOW), deadLetters: env.DEAD_LETTERS });
  },
} satisfies ExportedHandler<OrderFlowEnv>;
