import { describe, expect, it } from "vitest";
import { shipmentUndeliverable } from "../../src/contracts/events";
import { cancelledEvent, placedEvent, stockUnavailableEvent } from "../../test/fixtures/orders";
import { whenCancelled, whenCharged, whenChargeFound, whenOrderPlaced, whenRefunded, whenUnshippable, type InvoiceRecord } from "./invoicing";

const now = new Date("2026-11-29T10:00:00.000Z");
const context = { invoiceId: "inv_test", now };

const paid = (orderId: string, extra: Partial<InvoiceRecord> = {}): InvoiceRecord => ({
  invoiceId: "inv_paid",
  orderId,
  amount: 3000,
  currency: "USD",
  status: "paid",
  paymentId: "pi_1",
  updatedAt: now.toISOString(),
  ...extra,
});

describe("Billing decides", () => {
  describe("given no invoice, when the order is placed", () => {
    it("then it charges the order's total to its payment method", () => {
      const placed = placedEvent();
      expect(whenOrderPlaced(undefined, placed)).toEqual({
        kind: "charge",
        charge: { orderId: placed.subject, amount: 3000, currency: "USD", paymentMethod: "pm_card_visa", customerEmail: placed.data.customer.email },
      });
    });
  });

  describe("given an invoice, when order.placed comes again (even under a new id)", () => {
    it("then nothing is charged and nothing written", () => {
      const placed = placedEvent();
      expect(whenOrderPlaced(paid(placed.subject), { ...placed, id: crypto.randomUUID() })).toEqual({ kind: "skip", note: "invoice already paid" });
    });
  });

  describe("when Stripe answers the charge", () => {
    it("succeeded: records the payment and tells Warehouse and Sales with the lines and ship-to", () => {
      const placed = placedEvent();
      const step = whenCharged(placed, { kind: "succeeded", paymentIntentId: "pi_9", amount: 3000, currency: "USD" }, context);
      expect(step).toMatchObject({ kind: "record", invoice: { invoiceId: "inv_test", status: "paid", paymentId: "pi_9", amount: 3000 } });
      if (step.kind !== "record") return;
      expect(step.publish).toHaveLength(1);
      expect(step.publish[0]).toMatchObject({
        type: "order.billed.v1",
        causationid: placed.id,
        subject: placed.subject,
        data: { paymentId: "pi_9", lines: [{ sku: placed.data.lines[0]!.sku, quantity: placed.data.lines[0]!.quantity }], shipTo: { name: placed.data.customer.name } },
      });
    });

    it("declined: records the decline and publishes order.billing_failed with the reason", () => {
      const step = whenCharged(placedEvent(), { kind: "declined", code: "insufficient_funds", message: "Your card has insufficient funds." }, context);
      expect(step).toMatchObject({ kind: "record", invoice: { status: "declined", declineCode: "insufficient_funds" } });
      if (step.kind === "record") expect(step.publish[0]).toMatchObject({ type: "order.billing_failed.v1", data: { reason: { code: "insufficient_funds" } } });
    });

    it("no answer: notes the charge as attempted (Stripe may have taken it) and retries after what Stripe asked; the retry charges again", () => {
      const placed = placedEvent();
      const step = whenCharged(placed, { kind: "retryable", reason: "Stripe 504", afterSeconds: 7, maybeActed: true }, context);
      // Noted with the order.placed event's time: a cancellation asks Stripe for intents since then.
      expect(step).toMatchObject({ kind: "hold", invoice: { status: "attempted", orderId: placed.subject, amount: 3000, chargeTriedSince: placed.time }, retry: { kind: "retry", reason: "Stripe 504", afterSeconds: 7 } });
      if (step.kind === "hold") expect(whenOrderPlaced(step.invoice, placed)).toMatchObject({ kind: "charge" });
      // A clear "not now" (429, 503) leaves nothing to check: nothing is written.
      expect(whenCharged(placed, { kind: "retryable", reason: "Stripe 503", afterSeconds: 7, maybeActed: false }, context)).toEqual({ kind: "retry", reason: "Stripe 503", afterSeconds: 7 });
    });

    it("refused the request: parks the message", () => {
      expect(whenCharged(placedEvent(), { kind: "refused", reason: "Stripe 401" }, context)).toEqual({ kind: "reject", reason: "Stripe 401" });
    });
  });

  describe("when the customer cancels", () => {
    it("given no charge yet: voids the invoice, so order.placed will never charge", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      const step = whenCancelled(undefined, cancelled, context);
      expect(step).toMatchObject({ kind: "record", invoice: { status: "voided", orderId: cancelled.subject }, publish: [] });
      if (step.kind === "record") expect(whenOrderPlaced(step.invoice, placedEvent(cancelled.subject))).toMatchObject({ kind: "skip" });
    });

    it("given a charge that got no answer: asks Stripe, refunds what it took, else voids", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      const attempted = paid(cancelled.subject, { status: "attempted", paymentId: undefined });
      expect(whenCancelled(attempted, cancelled, context)).toEqual({ kind: "find_charge", invoice: attempted });
      const took = whenChargeFound(attempted, { kind: "found", result: { kind: "succeeded", paymentIntentId: "pi_lost", amount: 3000, currency: "USD" } }, context.now);
      expect(took).toMatchObject({ kind: "refund", reason: "customer_cancelled", invoice: { status: "paid", paymentId: "pi_lost", refundDue: "customer_cancelled" } });
      expect(whenChargeFound(attempted, { kind: "none" }, context.now)).toMatchObject({ kind: "record", invoice: { status: "voided" }, publish: [] });
      expect(whenChargeFound(attempted, { kind: "retryable", reason: "Stripe 503" }, context.now)).toEqual({ kind: "retry", reason: "Stripe 503" });
    });

    it("given a payment: refunds it, due from before Stripe is called", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      expect(whenCancelled(paid(cancelled.subject), cancelled, context)).toEqual({
        kind: "refund",
        reason: "customer_cancelled",
        invoice: paid(cancelled.subject, { refundDue: "customer_cancelled" }),
      });
    });

    it("given a decline: there is nothing to refund", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      expect(whenCancelled(paid(cancelled.subject, { status: "declined" }), cancelled, context)).toEqual({ kind: "skip", note: "nothing to refund (declined)" });
    });
  });

  describe("when Warehouse reports the stock unavailable", () => {
    it("given no invoice yet (the event overtook the charge): retries shortly", () => {
      expect(whenUnshippable(undefined, stockUnavailableEvent(placedEvent().subject))).toMatchObject({ kind: "retry", afterSeconds: 5 });
    });

    it("given a refund already due for a cancellation: keeps that first reason", () => {
      const unavailable = stockUnavailableEvent(placedEvent().subject);
      expect(whenUnshippable(paid(unavailable.subject, { refundDue: "customer_cancelled" }), unavailable)).toMatchObject({ kind: "refund", reason: "customer_cancelled" });
    });
  });

  describe("when Warehouse reports the parcel undeliverable", () => {
    it("refunds the charge as undeliverable", () => {
      const orderId = placedEvent().subject;
      const undeliverable = shipmentUndeliverable.create({ orderId, reason: "address not found", detectedAt: new Date().toISOString() }, { subject: orderId });
      expect(whenUnshippable(paid(orderId), undeliverable)).toMatchObject({ kind: "refund", reason: "undeliverable", invoice: { refundDue: "undeliverable" } });
    });
  });

  describe("when Stripe answers the refund", () => {
    it("records it once and publishes order.refunded with the reason it was due for", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      const due = paid(cancelled.subject, { refundDue: "customer_cancelled" });
      const step = whenRefunded(due, cancelled, { kind: "refunded", refundId: "re_1", amount: 3000, currency: "USD" }, now);
      expect(step).toMatchObject({ kind: "record", invoice: { status: "refunded", refund: { refundId: "re_1", reason: "customer_cancelled" } } });
      if (step.kind !== "record") return;
      expect(step.invoice.refundDue).toBeUndefined();
      expect(step.publish[0]).toMatchObject({ type: "order.refunded.v1", causationid: cancelled.id, data: { refundId: "re_1", reason: "customer_cancelled", paymentId: "pi_1" } });
      expect(whenCancelled(step.invoice, cancelled, context)).toEqual({ kind: "skip", note: "nothing to refund (refunded)" });
    });
  });
});
