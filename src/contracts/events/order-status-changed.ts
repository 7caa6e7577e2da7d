import { z } from "zod";
import { defineEvent } from "../envelope";
import { OrderSnapshot } from "../order";
import { OrderStatus } from "../values";

/** Sales moved an order to a new status; carries the full snapshot (state transfer). */
export const orderStatusChanged = defineEvent(
  "order.status_changed.v1",
  "/sales",
  z.object({
    previousStatus: OrderStatus.nullable(),
    order: OrderSnapshot,
  }),
);
export type OrderStatusChanged = ReturnType<typeof orderStatusChanged.create>;
