import { z } from "zod";
import { defineEvent } from "../envelope";
import { Currency, MinorUnits, OrderId, RefundReason } from "../values";

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
    reason: RefundReason,
    refundedAt: z.iso.datetime({ offset: true }),
  }),
);
export type OrderRefunded = ReturnType<typeof orderRefunded.create>;
