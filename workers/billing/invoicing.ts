import {
  orderBilled,
  orderBillingFailed,
  orderRefunded,
  type AnyEvent,
  type OrderCancelled,
  type OrderPlaced,
  type ShipmentUndeliverable,
  type StockUnavailable,
} from "../../src/contracts/events";
import { retryFor, type Reject, type Retry } from "../../src/platform/outcome";
import type { RefundReason } from "../../src/contracts/values";
import type { Trace } from "../../src/platform/provider-once";
import type { Charge, RefundResult } from "./stripe";

export type InvoiceRecord = {
  invoiceId: string;
  orderId: string;
  amount: number;
  currency: string;
  /**
   * `voided`: cancelled before any charge, so none will be made. `attempted`: a charge got no
   * answer (written only then, never on the common path): a cancellation must ask Stripe first.
   */
  status: "attempted" | "paid" | "declined" | "voided" | "refunded";
  paymentId?: string;
  declineCode?: string;
  /** Set when a refund became due; the refund is retried until Stripe confirms it. */
  refundDue?: RefundReason;
  refund?: { refundId: string; amount: number; reason: RefundReason; refundedAt: string };
  /** With `attempted`: the time of the order.placed event the charge answered, so no try of it is older. */
  chargeTriedSince?: string;
  updatedAt: string;
};

export type ChargeRequest = { orderId: string; amount: number; currency: string; paymentMethod: string; customerEmail: string };

/**
 * What Billing does next. The decisions below are pure (invoice + message → next step); the
 * Invoice object performs the step (a Stripe call, a write) and feeds the result back in.
 */
export type BillingStep =
  /** Nothing to do and nothing to write: the message is handled. */
  | { kind: "skip"; note: string }
  | Retry
  | Reject
  | { kind: "charge"; charge: ChargeRequest }
  /** `invoice` is what to save before calling Stripe: the refund is due from then on. */
  | { kind: "refund"; invoice: InvoiceRecord; reason: RefundReason }
  /** Save the invoice as the message's outcome and publish the events. */
  | { kind: "record"; invoice: InvoiceRecord; publish: AnyEvent[]; note?: string }
  /** Keep the note that a charge got no answer, then retry the message. */
  | { kind: "hold"; invoice: InvoiceRecord; retry: Retry }
  /** A cancellation after an unanswered charge: ask Stripe whether it took the money. */
  | { kind: "find_charge"; invoice: InvoiceRecord };

/** Who pays what: a placed order is charged once; an invoice already made settles it. */
export function whenOrderPlaced(invoice: InvoiceRecord | undefined, event: OrderPlaced): BillingStep {
  if (invoice && invoice.status !== "attempted") return { kind: "skip", note: `invoice already ${invoice.status}` };
  const { orderId, total, currency, paymentMethod, customer } = event.data;
  return { kind: "charge", charge: { orderId, amount: total, currency, paymentMethod, customerEmail: customer.email } };
}

/** The invoice a charge's answer makes, and the event that tells the others: billed or failed. */
export function whenCharged(event: OrderPlaced, charge: Charge, context: { invoiceId: string; now: Date }): BillingStep {
  const { orderId, total, currency, lines, customer, shippingAddress } = event.data;
  const updatedAt = context.now.toISOString();
  const base = { invoiceId: context.invoiceId, orderId, amount: total, currency, updatedAt };
  if (charge.kind === "retryable") {
    // No answer (or a 500): Stripe may have charged. Noted, so a cancellation before the retry asks Stripe.
    return charge.maybeActed ? { kind: "hold", invoice: { ...base, status: "attempted", chargeTriedSince: event.time }, retry: retryFor(charge) } : retryFor(charge);
  }
  if (charge.kind === "refused") return { kind: "reject", reason: charge.reason };
  const cause = { subject: orderId, causedBy: event, time: context.now };
  if (charge.kind === "declined") {
    const failed = orderBillingFailed.create(
      { orderId, invoiceId: base.invoiceId, amount: total, currency, reason: { code: charge.code, message: charge.message }, failedAt: updatedAt },
      cause,
    );
    return { kind: "record", invoice: { ...base, status: "declined", declineCode: charge.code }, publish: [failed] };
  }
  const billed = orderBilled.create(
    {
      orderId,
      invoiceId: base.invoiceId,
      paymentId: charge.paymentIntentId,
      amount: charge.amount,
      currency: charge.currency,
      billedAt: updatedAt,
      lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
      shipTo: { name: customer.name, ...(customer.phone ? { phone: customer.phone } : {}), address: shippingAddress },
    },
    cause,
  );
  return { kind: "record", invoice: { ...base, amount: charge.amount, status: "paid", paymentId: charge.paymentIntentId }, publish: [billed] };
}

/** The customer cancelled: refund what was charged, or void the invoice so nothing ever is. */
export function whenCancelled(invoice: InvoiceRecord | undefined, event: OrderCancelled, context: { invoiceId: string; now: Date }): BillingStep {
  if (!invoice) {
    const voided: InvoiceRecord = { invoiceId: context.invoiceId, orderId: event.subject, amount: 0, currency: "XXX", status: "voided", updatedAt: context.now.toISOString() };
    return { kind: "record", invoice: voided, publish: [], note: "invoice voided before any charge" };
  }
  if (invoice.status === "attempted") return { kind: "find_charge", invoice };
  return refundStep(invoice, "customer_cancelled");
}

/** What Stripe says of an unanswered charge, for a cancellation: money it took is refunded, else the invoice is voided. */
export function whenChargeFound(invoice: InvoiceRecord, trace: Trace<Charge>, now: Date): BillingStep {
  if (trace.kind === "retryable") return retryFor(trace);
  if (trace.kind === "found" && trace.result.kind === "succeeded") {
    const paid: InvoiceRecord = { ...invoice, status: "paid", paymentId: trace.result.paymentIntentId, amount: trace.result.amount, updatedAt: now.toISOString() };
    return refundStep(paid, "customer_cancelled");
  }
  return { kind: "record", invoice: { ...invoice, status: "voided", updatedAt: now.toISOString() }, publish: [], note: "Stripe took no money for the unanswered charge: invoice voided" };
}

/** Warehouse cannot ship a billed order (no stock, or an address no carrier delivers to): give the money back. */
export function whenUnshippable(invoice: InvoiceRecord | undefined, event: StockUnavailable | ShipmentUndeliverable): BillingStep {
  // Warehouse only hears of an order once it is billed, so a missing invoice means this event
  // overtook our own bookkeeping; try again shortly.
  if (!invoice) return { kind: "retry", reason: `no invoice yet for ${event.subject}`, afterSeconds: 5 };
  return refundStep(invoice, event.type === "stock.unavailable.v1" ? "stock_unavailable" : "undeliverable");
}

/** The invoice a refund's answer makes, and order.refunded. */
export function whenRefunded(invoice: InvoiceRecord, cause: AnyEvent, result: RefundResult, now: Date): BillingStep {
  if (result.kind === "retryable") return retryFor(result);
  if (result.kind === "refused") return { kind: "reject", reason: result.reason };
  const reason = invoice.refundDue!;
  const refundedAt = now.toISOString();
  const refunded = orderRefunded.create(
    {
      orderId: invoice.orderId,
      invoiceId: invoice.invoiceId,
      paymentId: invoice.paymentId!,
      refundId: result.refundId,
      amount: result.amount,
      currency: result.currency,
      reason,
      refundedAt,
    },
    { subject: invoice.orderId, causedBy: cause, time: now },
  );
  const { refundDue: _settled, ...rest } = invoice;
  const record: InvoiceRecord = { ...rest, status: "refunded", refund: { refundId: result.refundId, amount: result.amount, reason, refundedAt }, updatedAt: refundedAt };
  return { kind: "record", invoice: record, publish: [refunded] };
}

/** A refund is recorded as due before Stripe is called, and the first reason it became due for stays. */
function refundStep(invoice: InvoiceRecord, reason: RefundReason): BillingStep {
  if (invoice.status !== "paid" || !invoice.paymentId) return { kind: "skip", note: `nothing to refund (${invoice.status})` };
  return { kind: "refund", invoice: { ...invoice, refundDue: invoice.refundDue ?? reason }, reason: invoice.refundDue ?? reason };
}

