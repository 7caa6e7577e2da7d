import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderId } from "../values";

/**
 * The carrier will not take a billed order's parcel (an address it cannot deliver to): Warehouse
 * has put the stock back, Billing refunds the order and Sales closes it.
 */
export const shipmentUndeliverable = defineEvent(
  "shipment.undeliverable.v1",
  "/warehouse",
  z.object({
    orderId: OrderId,
    /** The carrier's own words, for the customer's support conversation. */
    reason: z.string().min(1).max(1000),
    detectedAt: z.iso.datetime({ offset: true }),
  }),
);
export type ShipmentUndeliverable = ReturnType<typeof shipmentUndeliverable.create>;
