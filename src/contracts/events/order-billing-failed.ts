import { z } from "zod";
import { defineEvent } from "../envelope";
import { Currency, MinorUnits, OrderId } from "../values";

/** Billing could not charge the order (declined card): the order ends here. */
export const orderBillingFailed = defineEvent(
  "order.billing_failed.v1",
  "/billing",
  z.object({
    orderId: OrderId,
    invoiceId: z.string(),
    amount: MinorUnits,
    currency: Currency,
    /** Stripe's decline code (`card_declined`, `insufficient_funds`, …) and message. */
    reason: z.object({ code: z.string(), message: z.string() }),
    failedAt: z.iso.datetime({ offset: true }),
  }),
);
export type OrderBillingFailed = ReturnType<typeof orderBillingFailed.create>;
