import {
  orderPlaced,
  orderStatusChanged,
  type OrderBilled,
  type OrderBillingFailed,
  type OrderCancelled,
  type OrderRefunded,
  type ShippingLabelCreated,
} from "../../src/contracts/events";
import type { OrderSnapshot, TimelineEntry } from "../../src/contracts/order";
import type { Address, Customer, OrderStatus } from "../../src/contracts/values";
import { timeOfId } from "../../src/platform/ids";
import type { PricedOrder } from "./pricing";

/** An order as Sales accepted and priced it, before it exists. */
export type NewOrder = PricedOrder & {
  orderId: string;
  customerId: string;
  customer: Customer;
  shippingAddress: Address;
  paymentMethod: string;
};

type Evidence = Omit<TimelineEntry, "status">;

/** The facts other services report about an order, each able to unlock one step. */
export type Fact = "billed" | "labelled" | "billing_failed" | "refunded";

/** What the Order object stores: the snapshot plus the events that justify each next step. */
export type OrderState = {
  order: OrderSnapshot;
  /** Facts may arrive before the step they unlock (a label before the payment); kept until used. */
  evidence: Partial<Record<Fact, Evidence>>;
};

export type Transition = { from: OrderStatus; to: OrderStatus; evidence: Evidence };

/**
 * Every step an order can take, in priority order. An order only leaves `placed` or
 * `billed`; `ready_to_ship`, `billing_failed` and `cancelled` are terminal. A refund wins
 * over a label: once the money is back, the order is cancelled whatever else arrives.
 */
const STEPS: readonly { from: OrderStatus; to: OrderStatus; needs: Fact }[] = [
  { from: "placed", to: "billing_failed", needs: "billing_failed" },
  { from: "placed", to: "billed", needs: "billed" },
  { from: "billed", to: "cancelled", needs: "refunded" },
  { from: "billed", to: "ready_to_ship", needs: "labelled" },
];

export const TERMINAL: ReadonlySet<OrderStatus> = new Set(["ready_to_ship", "billing_failed", "cancelled"]);

export type OrderFactEvent = OrderBilled | ShippingLabelCreated | OrderBillingFailed | OrderRefunded;

const evidenceOf = (event: { id: string; type: string; source: string; time: string }): Evidence => ({
  eventId: event.id,
  eventType: event.type,
  source: event.source,
  at: event.time,
});

/** Copies what an event proves into the snapshot; false when the order already knew it. */
function learn(order: OrderSnapshot, evidence: OrderState["evidence"], event: OrderFactEvent): boolean {
  switch (event.type) {
    case "order.billed.v1": {
      if (order.payment) return false;
      const { invoiceId, paymentId, amount, currency, billedAt } = event.data;
      order.payment = { invoiceId, paymentId, amount, currency, billedAt };
      evidence.billed = evidenceOf(event);
      return true;
    }
    case "shipping_label.created.v1": {
      if (order.shipment) return false;
      const { shipmentId, carrier, service, trackingNumber, trackingUrl, labelUrl } = event.data;
      order.shipment = { shipmentId, carrier, service, trackingNumber, labelUrl, ...(trackingUrl ? { trackingUrl } : {}) };
      evidence.labelled = evidenceOf(event);
      return true;
    }
    case "order.billing_failed.v1": {
      if (evidence.billing_failed) return false;
      evidence.billing_failed = evidenceOf(event);
      order.closure ??= { reason: "payment_declined", detail: `${event.data.reason.code}: ${event.data.reason.message}`, at: event.time };
      return true;
    }
    case "order.refunded.v1": {
      if (order.refund) return false;
      const { refundId, amount, currency, reason, refundedAt } = event.data;
      order.refund = { refundId, amount, currency, reason, refundedAt };
      evidence.refunded = evidenceOf(event);
      if (reason === "stock_unavailable" || reason === "undeliverable") order.closure ??= { reason, at: event.time };
      return true;
    }
  }
}

/**
 * A new order, and the two events that announce it: `order.placed` and its first status. It is
 * placed at its id's time (when Sales accepted it), so a range of order ids is exactly a range of
 * placedAt: the read model's reports read ranges of its primary key.
 */
export function openOrder(draft: NewOrder) {
  const { orderId, paymentMethod, ...details } = draft;
  const now = new Date(timeOfId(orderId));
  const placed = orderPlaced.create({ orderId, ...details, paymentMethod, placedAt: now.toISOString() }, { subject: orderId, time: now });
  const order: OrderSnapshot = {
    id: orderId,
    version: 1,
    status: "placed",
    ...details,
    placedAt: placed.time,
    updatedAt: placed.time,
    timeline: [{ status: "placed", ...evidenceOf(placed) }],
  };
  const changed = orderStatusChanged.create({ previousStatus: null, order }, { subject: orderId, causedBy: placed, time: now });
  const state: OrderState = { order, evidence: {} };
  return { state, publish: [placed, changed] as const };
}

/**
 * Records what an event proves and advances the order as far as the evidence allows, so
 * events arriving out of order still move it through every status in order.
 */
export function recordEvent(state: OrderState, event: OrderFactEvent, now: Date) {
  const order = structuredClone(state.order);
  const evidence = { ...state.evidence };
  if (!learn(order, evidence, event)) return { state, transitions: [] as Transition[], changed: false };

  const transitions: Transition[] = [];
  for (let moved = true; moved; ) {
    moved = false;
    const step = STEPS.find((s) => s.from === order.status && evidence[s.needs]);
    if (step) {
      const proof = evidence[step.needs]!;
      transitions.push({ from: step.from, to: step.to, evidence: proof });
      order.status = step.to;
      order.timeline.push({ status: step.to, ...proof });
      moved = true;
    }
  }
  return { state: { order: bump(order, transitions.length, now), evidence }, transitions, changed: true };
}

/** The customer's cancellation: allowed while the order has neither a label nor an end. */
export function cancelOrder(state: OrderState, event: OrderCancelled, now: Date) {
  const { order } = state;
  if (order.status !== "placed" && order.status !== "billed") return undefined;
  const next = structuredClone(order);
  const transition: Transition = { from: order.status, to: "cancelled", evidence: evidenceOf(event) };
  next.status = "cancelled";
  next.closure = { reason: "customer_request", at: event.time };
  next.timeline.push({ status: "cancelled", ...transition.evidence });
  return { state: { order: bump(next, 1, now), evidence: state.evidence }, transition };
}

/** One version per transition (at least one per change), so every published snapshot differs. */
function bump(order: OrderSnapshot, transitions: number, now: Date): OrderSnapshot {
  order.version += Math.max(1, transitions);
  order.updatedAt = now.toISOString();
  return order;
}

/** One `order.status_changed` per transition, each carrying the snapshot as of that step. */
export function announce(order: OrderSnapshot, transitions: Transition[], cause: { id: string; correlationid: string }, now: Date) {
  return transitions.map((step, i) =>
    orderStatusChanged.create(
      { previousStatus: step.from, order: orderAt(order, transitions.length - 1 - i) },
      { subject: order.id, causedBy: cause, time: now },
    ),
  );
}

/**
 * The snapshot as it stood `stepsBack` transitions before `order`, so that each
 * status-changed event carries the status it announces. Versions stay distinct and rising.
 */
function orderAt(order: OrderSnapshot, stepsBack: number): OrderSnapshot {
  if (stepsBack === 0) return order;
  const timeline = order.timeline.slice(0, order.timeline.length - stepsBack);
  return { ...order, status: timeline.at(-1)!.status, timeline, version: order.version - stepsBack };
}
