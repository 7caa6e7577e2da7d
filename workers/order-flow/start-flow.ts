import type { OrderPlaced } from "../../src/contracts/events";
import type { EventHandlers } from "../../src/platform/consumer";
import { errorMessage } from "../../src/platform/log";
import { done } from "../../src/platform/outcome";

/**
 * An orchestrated order's placement starts its workflow. The instance is named by the order
 * id, so a redelivered or replayed `order.placed` finds it started and starts nothing.
 */
export function orderFlowHandlers(flows: Workflow<OrderPlaced>): EventHandlers {
  return {
    "order.placed.v1": async (event) => {
      try {
        await flows.create({ id: event.subject, params: event });
        return done();
      } catch (error) {
        if (/already.?exists/i.test(errorMessage(error))) return done("the order's flow was started before");
        throw error;
      }
    },
  };
}
