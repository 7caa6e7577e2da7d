import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderId, Sku } from "../values";

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
    /** The order's SKUs, so Warehouse can give back stock it took and had not yet written down. */
    skus: z.array(Sku).optional(),
  }),
);
export type OrderCancelled = ReturnType<typeof orderCancelled.create>;
