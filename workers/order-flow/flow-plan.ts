import type { AnyEvent, OrderBilled, OrderCancelled, ShipmentUndeliverable, StockUnavailable } from "../../src/contracts/events";
import type { InvoiceRecord } from "../billing/invoicing";
import type { FlowView } from "../sales/order";
import type { ShipmentRecord } from "../warehouse/shipping";
import type { Settled } from "./settle";

/**
 * The order workflow's own decisions, pure: what comes after each step, from what the step kept
 * and where Sales says the order stands. The Workflow (order-flow.ts) only runs the steps.
 */
export type AfterPayment =
  /** Declined, or cancelled before any charge (voided, or refunded at once): nothing more to do. */
  | { kind: "end" }
  /** Paid, but the customer cancelled meanwhile: the money goes back. */
  | { kind: "compensate"; cancellation: OrderCancelled; invoice: InvoiceRecord }
  | { kind: "ship"; billed: OrderBilled; invoice: InvoiceRecord };

export function afterPayment(payment: Settled<InvoiceRecord>, standing: FlowView): AfterPayment {
  const billed = payment.publish.find((event): event is OrderBilled => event.type === "order.billed.v1");
  if (!billed || !payment.state) return { kind: "end" };
  if (standing.cancellation) return { kind: "compensate", cancellation: standing.cancellation, invoice: payment.state };
  return { kind: "ship", billed, invoice: payment.state };
}

export type AfterShipping =
  /** Labelled and ready to ship. */
  | { kind: "end" }
  /** No stock, or no carrier takes the parcel (its stock is back already): the money goes back. */
  | { kind: "refund"; reason: StockUnavailable | ShipmentUndeliverable }
  /** Labelled, but the customer cancelled first: void the label, give back the stock, refund. */
  | { kind: "compensate"; cancellation: OrderCancelled; shipment?: ShipmentRecord };

const isUnshippable = (event: AnyEvent): event is StockUnavailable | ShipmentUndeliverable =>
  event.type === "stock.unavailable.v1" || event.type === "shipment.undeliverable.v1";

export function afterShipping(shipped: Settled<ShipmentRecord>, standing: FlowView): AfterShipping {
  const unshippable = shipped.publish.find(isUnshippable);
  if (unshippable) return { kind: "refund", reason: unshippable };
  if (standing.cancellation) return { kind: "compensate", cancellation: standing.cancellation, ...(shipped.state ? { shipment: shipped.state } : {}) };
  return { kind: "end" };
}
