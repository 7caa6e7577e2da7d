import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderId, Sku } from "../values";

/** Warehouse cannot allocate a billed order: Billing refunds it and Sales cancels it. */
export const stockUnavailable = defineEvent(
  "stock.unavailable.v1",
  "/warehouse",
  z.object({
    orderId: OrderId,
    shortages: z.array(z.object({ sku: Sku, requested: z.number().int().positive(), available: z.number().int().nonnegative() })).min(1),
    detectedAt: z.iso.datetime({ offset: true }),
  }),
);
export type StockUnavailable = ReturnType<typeof stockUnavailable.create>;
