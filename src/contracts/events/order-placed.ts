import { z } from "zod";
import { defineEvent } from "../envelope";
import { Address, Currency, Customer, MinorUnits, OrderId, OrderLine } from "../values";

/** Sales accepted an order. Carries everything Billing and the notifiers need. */
export const orderPlaced = defineEvent(
  "order.placed.v1",
  "/sales",
  z.object({
    orderId: OrderId,
    customerId: z.string(),
    customer: Customer,
    shippingAddress: Address,
    lines: z.array(OrderLine).min(1),
    currency: Currency,
    subtotal: MinorUnits,
    total: MinorUnits,
    paymentMethod: z.string(),
    placedAt: z.iso.datetime({ offset: true }),
  }),
);
export type OrderPlaced = ReturnType<typeof orderPlaced.create>;
