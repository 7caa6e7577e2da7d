import { z } from "zod";
import type { OrderSnapshot } from "./order";
import { OrderId, OrderStatus } from "./values";

/**
 * The public status of an order as the read model holds it: projected by the projections
 * worker from `order.status_changed` snapshots, served by Sales for `GET /orders/:id/status`.
 * No contact data, so it is safe to serve to anyone holding the order id.
 */
export const OrderStatusView = z.object({
  id: OrderId,
  status: OrderStatus,
  /** The snapshot version this view was made from; a cache never goes back to a lower one. */
  version: z.number().int().positive(),
  updatedAt: z.iso.datetime({ offset: true }),
  timeline: z.array(z.object({ status: OrderStatus, at: z.iso.datetime({ offset: true }) })),
});
export type OrderStatusView = z.infer<typeof OrderStatusView>;

export function orderStatusView(order: OrderSnapshot): OrderStatusView {
  return {
    id: order.id,
    status: order.status,
    version: order.version,
    updatedAt: order.updatedAt,
    timeline: order.timeline.map(({ status, at }) => ({ status, at })),
  };
}
