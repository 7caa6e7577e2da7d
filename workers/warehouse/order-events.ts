import type { EventHandlers } from "../../src/platform/consumer";
import type { Shipment } from "./shipment";

export const shipmentOf = (shipments: DurableObjectNamespace<Shipment>, orderId: string) =>
  shipments.get(shipments.idFromName(orderId));

/** Warehouse's subscriptions: a billed order is an order to allocate and label. */
export function orderEventHandlers(shipments: DurableObjectNamespace<Shipment>): EventHandlers {
  return {
    "order.billed.v1": (event) => shipmentOf(shipments, event.subject).fulfil(event),
  };
}
