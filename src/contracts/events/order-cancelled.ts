import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderId } from "../values";

/**
 * The customer cancelled the order before it had a label. Billing refunds it if it was
 * charged (or never charges it); Warehouse releases any stock it allocated.
 */
export const orderCancelled = defineEvent(
  "order.cancelled.v1",
  "/sales",
  z.object({
    orderId: OrderId,
    reason: z.literal("customer_request"),
    cancelledAt: z.iso.datetime({ offset: true }),
  }),
);
export type OrderCancelled = ReturnType<typeof orderCancelled.create>;
