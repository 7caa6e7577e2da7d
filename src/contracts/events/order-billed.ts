import { z } from "zod";
import { defineEvent } from "../envelope";
import { Address, Currency, MinorUnits, OrderId, Sku } from "../values";

/**
 * Billing charged the customer. It carries the lines and the ship-to address from the
 * order, so Warehouse can allocate and buy a label without calling Sales back.
 */
export const orderBilled = defineEvent(
  "order.billed.v1",
  "/billing",
  z.object({
    orderId: OrderId,
    invoiceId: z.string(),
    paymentId: z.string(),
    amount: MinorUnits,
    currency: Currency,
    billedAt: z.iso.datetime({ offset: true }),
    lines: z.array(z.object({ sku: Sku, quantity: z.number().int().positive() })).min(1),
    shipTo: z.object({ name: z.string(), phone: z.string().optional(), address: Address }),
  }),
);
export type OrderBilled = ReturnType<typeof orderBilled.create>;
