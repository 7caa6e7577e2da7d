import { describe, expect, it } from "vitest";
import { billedEvent, labelEvent, placedEvent } from "../../test/fixtures/orders";
import type { OrderSnapshot } from "../../src/contracts/order";
import { recordEvent, type OrderState } from "./order-lifecycle";

function placedState(): OrderState {
  const placed = placedEvent();
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
