import type { AnyEvent, OrderPlaced } from "../../src/contracts/events";
import { newId } from "../../src/platform/ids";
import { callOnce, outlived } from "../../src/platform/provider-once";
import { whenCharged, whenChargeFound, whenRefunded, type BillingStep, type InvoiceRecord } from "./invoicing";
import { chargeOrder, findCharge, findRecentCharge, findRefund, refundOrder, type StripeConfig } from "./stripe";

/** The steps of Billing's decisions that call Stripe. */
export type StripeStep = Extract<BillingStep, { kind: "charge" | "refund" | "find_charge" }>;

/**
 * Makes the Stripe call a decision asked for and feeds the answer to the decision that reads
 * it. Shared by the Invoice object (choreography) and the order's workflow (orchestration), so
 * both charge and refund through the same guard.
 */
export async function callStripe(config: StripeConfig, cause: AnyEvent, step: StripeStep): Promise<BillingStep> {
  switch (step.kind) {
    case "find_charge":
      return whenChargeFound(step.invoice, await findRecentCharge(config, step.invoice.orderId, chargeTriedSince(step.invoice), Date.now()), new Date());
    case "charge": {
      // Within Stripe's key window the Idempotency-Key dedupes a repeat; past it, an earlier
      // attempt whose answer was lost is found by the order id before charging again.
      const charge = await callOnce({
        uncertain: outlived(cause.time, config.idempotencyWindowSeconds, Date.now()),
        lookUp: () => findCharge(config, step.charge.orderId),
        perform: () => chargeOrder(config, step.charge),
      });
      return whenCharged(cause as OrderPlaced, charge, { invoiceId: newId("inv"), now: new Date() });
    }
    case "refund": {
      const refund = { orderId: step.invoice.orderId, paymentIntentId: step.invoice.paymentId!, reason: step.reason };
      const result = await callOnce({
        uncertain: outlived(cause.time, config.idempotencyWindowSeconds, Date.now()),
        lookUp: () => findRefund(config, refund.paymentIntentId),
        perform: () => refundOrder(config, refund),
      });
      return whenRefunded(step.invoice, cause, result, new Date());
    }
  }
}

/** No try of the charge is older than its order.placed event; an invoice noted before that was kept has only its last try's end, a minute after that try began at most. */
const chargeTriedSince = (invoice: InvoiceRecord): string => invoice.chargeTriedSince ?? new Date(Date.parse(invoice.updatedAt) - 60_000).toISOString();
