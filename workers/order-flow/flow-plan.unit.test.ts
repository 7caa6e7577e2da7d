import { describe, expect, it } from "vitest";
import { billedEvent, billingFailedEvent, cancelledEvent, labelEvent, placedEvent, stockUnavailableEvent } from "../../test/fixtures/orders";
import type { InvoiceRecord } from "../billing/invoicing";
import type { FlowView } from "../sales/order";
import type { ShipmentRecord } from "../warehouse/shipping";
import { afterPayment, afterShipping } from "./flow-plan";

const placed = placedEvent();
const orderId = placed.subject;
const invoice: InvoiceRecord = { invoiceId: "inv_1", orderId, amount: 3000, currency: "USD", status: "paid", paymentId: "pi_1", updatedAt: placed.time };
const shipment: ShipmentRecord = { shipmentId: "shp_1", orderId, status: "labelled", labelAttempts: 1, skus: ["MUG-001"] };
/** Sales' answer: the order as the step left it, with or without the customer's cancellation. */
const standing = (cancelled = false): FlowView => ({
  order: {} as FlowView["order"],
  ...(cancelled ? { cancellation: cancelledEvent(orderId, placed) } : {}),
});

describe("what the order workflow does after the charge", () => {
  it("ships a paid order", () => {
    const billed = billedEvent(orderId, placed);
    expect(afterPayment({ state: invoice, publish: [billed] }, standing())).toEqual({ kind: "ship", billed, invoice });
  });

  it("ends a declined order, and one cancelled before any charge", () => {
    expect(afterPayment({ state: { ...invoice, status: "declined" }, publish: [billingFailedEvent(orderId, placed)] }, standing())).toEqual({ kind: "end" });
    expect(afterPayment({ state: { ...invoice, status: "voided" }, publish: [] }, standing(true))).toEqual({ kind: "end" });
  });

  it("refunds a paid order the customer cancelled while the payment was being recorded", () => {
    const next = afterPayment({ state: invoice, publish: [billedEvent(orderId, placed)] }, standing(true));
    expect(next).toMatchObject({ kind: "compensate", invoice, cancellation: { type: "order.cancelled.v1", subject: orderId } });
  });
});

describe("what the order workflow does after shipping", () => {
  it("ends once the label is recorded and the order is ready", () => {
    expect(afterShipping({ state: shipment, publish: [labelEvent(orderId)] }, standing())).toEqual({ kind: "end" });
  });

  it("refunds an order without stock, even if the customer cancelled too (one refund either way)", () => {
    const short = stockUnavailableEvent(orderId);
    expect(afterShipping({ state: { ...shipment, status: "unavailable" }, publish: [short] }, standing())).toEqual({ kind: "refund", reason: short });
    expect(afterShipping({ state: { ...shipment, status: "unavailable" }, publish: [short] }, standing(true))).toEqual({ kind: "refund", reason: short });
  });

  it("voids the label and gives the stock back when the cancellation beat the label to Sales", () => {
    expect(afterShipping({ state: shipment, publish: [labelEvent(orderId)] }, standing(true))).toMatchObject({ kind: "compensate", shipment, cancellation: { subject: orderId } });
  });
});
