import { z } from "zod";
import { defineEvent } from "../envelope";
import { Currency, MinorUnits, OrderId } from "../values";

/** Billing refunded a charged order (stock unavailable or cancelled by the customer). */
export const orderRefunded = defineEvent(
  "order.refunded.v1",
  "/billing",
  z.object({
    orderId: OrderId,
    invoiceId: z.string(),
    paymentId: z.string(),
    refundId: z.string(),
    amount: MinorUnits,
    currency: Currency,
    reason: z.enum(["stock_unavailable", "customer_cancelled"]),
    refundedAt: z.iso.datetime({ offset: true }),
  }),
);
export type OrderRefunded = ReturnType<typeof orderRefunded.create>;
