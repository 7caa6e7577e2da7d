import type { EventHandlers } from "../../src/platform/consumer";
import type { SalesStores } from "./place-order";
import { orderObject } from "./place-order";

/** Sales' subscriptions: the facts from Billing and Warehouse that move an order on (or end it). */
export function orderEventHandlers(stores: SalesStores): EventHandlers {
  return {
    "order.billed.v1": (event) => orderObject(stores, event.subject).record(event),
    "shipping_label.created.v1": (event) => orderObject(stores, event.subject).record(event),
    "order.billing_failed.v1": (event) => orderObject(stores, event.subject).record(event),
    "order.refunded.v1": (event) => orderObject(stores, event.subject).record(event),
  };
}
