import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderId } from "../values";

/** Warehouse allocated the stock and bought a label: the order can ship. */
export const shippingLabelCreated = defineEvent(
  "shipping_label.created.v1",
  "/warehouse",
  z.object({
    orderId: OrderId,
    shipmentId: z.string(),
    carrier: z.string(),
    service: z.string(),
    trackingNumber: z.string(),
    trackingUrl: z.url().optional(),
    labelUrl: z.url(),
    createdAt: z.iso.datetime({ offset: true }),
  }),
);
export type ShippingLabelCreated = ReturnType<typeof shippingLabelCreated.create>;
