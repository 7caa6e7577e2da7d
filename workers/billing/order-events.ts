import type { EventHandlers } from "../../src/platform/consumer";
import type { Invoice } from "./invoice";

export const invoiceOf = (invoices: DurableObjectNamespace<Invoice>, orderId: string) =>
  invoices.get(invoices.idFromName(orderId));

/** Billing's subscriptions: an order placed is an order to charge. */
export function orderEventHandlers(invoices: DurableObjectNamespace<Invoice>): EventHandlers {
  return {
    "order.placed.v1": (event) => invoiceOf(invoices, event.subject).bill(event),
  };
}
