import { describe, expect, it } from "vitest";
import { billedEvent, billingFailedEvent, cancelledEvent, labelEvent, placedEvent, refundedEvent } from "../../test/fixtures/orders";
import type { OrderSnapshot } from "../../src/contracts/order";
import { cancelOrder, recordEvent, type OrderFactEvent, type OrderState } from "./order-lifecycle";

const ID = "ord_00000000000000000000000000";

function placedState(orderId?: string): OrderState {
  const placed = placedEvent(orderId);
  const order: OrderSnapshot = {
    id: placed.subject,
    version: 1,
    status: "placed",
    customerId: "cus_test",
    customer: placed.data.customer,
    shippingAddress: placed.data.shippingAddress,
    lines: placed.data.lines,
    currency: "USD",
    subtotal: 3000,
    total: 3000,
    placedAt: placed.time,
    updatedAt: placed.time,
    timeline: [{ status: "placed", eventId: placed.id, eventType: placed.type, source: "/sales", at: placed.time }],
  };
  return { order, evidence: {} };
}

const now = new Date("2026-11-27T12:00:00Z");

describe("recordEvent", () => {
  it("moves placed → billed → ready_to_ship in order", () => {
    const start = placedState();
    const billed = billedEvent(start.order.id);
    const label = labelEvent(start.order.id, billed);
    const afterBilled = recordEvent(start, billed, now);
    expect(afterBilled.transitions.map((t) => t.to)).toEqual(["billed"]);
    const afterLabel = recordEvent(afterBilled.state, label, now);
    expect(afterLabel.transitions.map((t) => t.to)).toEqual(["ready_to_ship"]);
    expect(afterLabel.state.order.status).toBe("ready_to_ship");
    expect(afterLabel.state.order.timeline.map((t) => [t.status, t.eventId])).toEqual([
      ["placed", start.order.timeline[0]!.eventId],
      ["billed", billed.id],
      ["ready_to_ship", label.id],
    ]);
    expect(afterLabel.state.order.version).toBe(3);
  });

  it("holds a label that arrives before the payment, then takes both steps in order", () => {
    const start = placedState();
    const billed = billedEvent(start.order.id);
    const label = labelEvent(start.order.id, billed);
    const early = recordEvent(start, label, now);
    expect(early.changed).toBe(true);
    expect(early.transitions).toEqual([]);
    expect(early.state.order.status).toBe("placed");

    const late = recordEvent(early.state, billed, now);
    expect(late.transitions.map((t) => `${t.from}→${t.to}`)).toEqual(["placed→billed", "billed→ready_to_ship"]);
    expect(late.state.order.timeline.map((t) => t.status)).toEqual(["placed", "billed", "ready_to_ship"]);
    expect(late.state.order.version).toBeGreaterThan(early.state.order.version);
  });

  it("ignores a second payment or label for the same order", () => {
    const start = placedState();
    const billed = billedEvent(start.order.id);
    const once = recordEvent(start, billed, now);
    const twice = recordEvent(once.state, billedEvent(start.order.id), now);
    expect(twice.changed).toBe(false);
    expect(twice.state).toBe(once.state);
  });
});

function replay(events: OrderFactEvent[]) {
  return events.reduce((state, event) => recordEvent(state, event, now).state, placedState(ID)).order;
}

describe("compensation", () => {
  it("ends a declined order in billing_failed, with the decline as the reason", () => {
    const order = replay([billingFailedEvent(ID)]);
    expect(order.status).toBe("billing_failed");
    expect(order.closure).toMatchObject({ reason: "payment_declined", detail: "card_declined: Your card was declined." });
    expect(order.timeline.map((t) => t.status)).toEqual(["placed", "billing_failed"]);
  });

  it("cancels a billed order once the refund for missing stock arrives, in any order", () => {
    const billed = billedEvent(ID);
    const refunded = refundedEvent(ID);
    const inOrder = replay([billed, refunded]);
    const reversed = replay([refunded, billed]);
    for (const order of [inOrder, reversed]) {
      expect(order.status).toBe("cancelled");
      expect(order.timeline.map((t) => t.status)).toEqual(["placed", "billed", "cancelled"]);
      expect(order.refund).toMatchObject({ refundId: "re_test", reason: "stock_unavailable" });
      expect(order.closure?.reason).toBe("stock_unavailable");
    }
  });

  it("lets a refund win over a label that raced it, and stays terminal afterwards", () => {
    const order = replay([refundedEvent(ID), labelEvent(ID), billedEvent(ID)]);
    expect(order.status).toBe("cancelled");
    const later = replay([billedEvent(ID), labelEvent(ID), refundedEvent(ID, "customer_cancelled")]);
    expect(later.status).toBe("ready_to_ship");
    expect(later.refund).toBeDefined(); // recorded, but a shipped order does not move again
  });

  it("lets the customer cancel before a label, never after or twice", () => {
    const start = placedState();
    const cancelled = cancelOrder(start, cancelledEvent(start.order.id), now);
    expect(cancelled?.state.order).toMatchObject({ status: "cancelled", closure: { reason: "customer_request" } });
    expect(cancelOrder(cancelled!.state, cancelledEvent(start.order.id), now)).toBeUndefined();

    const billed = recordEvent(start, billedEvent(start.order.id), now).state;
    expect(cancelOrder(billed, cancelledEvent(start.order.id), now)?.transition).toMatchObject({ from: "billed", to: "cancelled" });
    const shipped = recordEvent(billed, labelEvent(start.order.id), now).state;
    expect(cancelOrder(shipped, cancelledEvent(start.order.id), now)).toBeUndefined();
  });

  it("does not move a cancelled order when its payment or refund arrives afterwards", () => {
    const start = placedState();
    const cancelled = cancelOrder(start, cancelledEvent(start.order.id), now)!.state;
    const afterBilled = recordEvent(cancelled, billedEvent(start.order.id), now);
    const afterRefund = recordEvent(afterBilled.state, refundedEvent(start.order.id, "customer_cancelled"), now);
    expect(afterRefund.state.order.status).toBe("cancelled");
    expect(afterBilled.transitions).toEqual([]);
    expect(afterRefund.state.order.refund?.reason).toBe("customer_cancelled");
    expect(afterRefund.state.order.timeline.map((t) => t.status)).toEqual(["placed", "cancelled"]);
  });
});
