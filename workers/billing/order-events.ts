import type { EventHandlers } from "../../src/platform/consumer";
import type { Invoice } from "./invoice";

export const invoiceOf = (invoices: DurableObjectNamespace<Invoice>, orderId: string) =>
  invoices.get(invoices.idFromName(orderId));

/** Billing's subscriptions: charge placed orders, refund what cannot ship or was cancelled. */
export function orderEventHandlers(invoices: DurableObjectNamespace<Invoice>): EventHandlers {
  return {
    "order.placed.v1": (event) => invoiceOf(invoices, event.subject).bill(event),
    "order.cancelled.v1": (event) => invoiceOf(invoices, event.subject).cancel(event),
    "stock.unavailable.v1": (event) => invoiceOf(invoices, event.subject).refundUnshippable(event),
    "shipment.undeliverable.v1": (event) => invoiceOf(invoices, event.subject).refundUnshippable(event),
  };
}
