import type { EventHandlers } from "../../src/platform/consumer";
import type { Shipment } from "./shipment";

export const shipmentOf = (shipments: DurableObjectNamespace<Shipment>, orderId: string) =>
  shipments.get(shipments.idFromName(orderId));

/** Warehouse's subscriptions: ship billed orders, undo cancelled ones. */
export function orderEventHandlers(shipments: DurableObjectNamespace<Shipment>): EventHandlers {
  return {
    "order.billed.v1": (event) => shipmentOf(shipments, event.subject).fulfil(event),
    "order.cancelled.v1": (event) => shipmentOf(shipments, event.subject).cancel(event),
  };
}
