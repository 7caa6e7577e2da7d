import type { AnyEvent, OrderCancelled, OrderPlaced, ShipmentUndeliverable, StockUnavailable } from "../../src/contracts/events";
import { newId } from "../../src/platform/ids";
import { whenCancelled, whenOrderPlaced, whenUnshippable, type BillingStep, type InvoiceRecord } from "../billing/invoicing";
import { stripeConfig } from "../billing/stripe";
import { callStripe, type StripeStep } from "../billing/stripe-calls";
import { settle, type Settled } from "./settle";

type StripeEnv = Parameters<typeof stripeConfig>[0];

/** Billing's decisions (workers/billing/invoicing.ts), performed with Billing's Stripe calls. */
function settleInvoice(env: StripeEnv, cause: AnyEvent, first: BillingStep, invoice?: InvoiceRecord): Promise<Settled<InvoiceRecord>> {
  return settle(
    first,
    invoice,
    (step) => (step as Extract<typeof step, { kind: "record" }>).invoice,
    async (step) => {
      const stripe = stripeConfig(env);
      if (!stripe.ok) return stripe.retry;
      return callStripe(stripe.config, cause, step as StripeStep);
    },
  );
}

/** Charges the placed order (Stripe's key and the lookup past its window make a retried step charge once). */
export const charge = (env: StripeEnv, placed: OrderPlaced) => settleInvoice(env, placed, whenOrderPlaced(undefined, placed));

/**
 * The customer cancelled. `invoice` is what the flow knows; an attempt of the charge step that
 * never answered counts as a charge Stripe may have taken, so Stripe is asked before voiding.
 */
export function cancel(env: StripeEnv, cancellation: OrderCancelled, invoice: InvoiceRecord | undefined, placed: OrderPlaced, chargeMayHaveRun: boolean): Promise<Settled<InvoiceRecord>> {
  const known = invoice ?? (chargeMayHaveRun ? attempted(placed) : undefined);
  return settleInvoice(env, cancellation, whenCancelled(known, cancellation, { invoiceId: newId("inv"), now: new Date() }), known);
}

/** Stock short, or no carrier takes the parcel: the money goes back. */
export const refundUnshippable = (env: StripeEnv, invoice: InvoiceRecord, reason: StockUnavailable | ShipmentUndeliverable) =>
  settleInvoice(env, reason, whenUnshippable(invoice, reason), invoice);

/** The invoice of a charge that may have been made: Billing's decisions then look it up first. */
function attempted(placed: OrderPlaced): InvoiceRecord {
  const { orderId, total, currency } = placed.data;
  return { invoiceId: newId("inv"), orderId, amount: total, currency, status: "attempted", chargeTriedSince: placed.time, updatedAt: placed.time };
}
