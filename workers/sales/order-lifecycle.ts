import type { OrderBilled, ShippingLabelCreated } from "../../src/contracts/events";
import type { OrderSnapshot, TimelineEntry } from "../../src/contracts/order";
import type { OrderStatus } from "../../src/contracts/values";

type Evidence = Omit<TimelineEntry, "status">;

/** What the Order object stores: the snapshot plus the events that justify each next step. */
export type OrderState = {
  order: OrderSnapshot;
  /** Facts may arrive before the step they unlock (a label before the payment); kept until used. */
  evidence: Partial<Record<OrderStatus, Evidence>>;
};

export type Transition = { from: OrderStatus; to: OrderStatus; evidence: Evidence };

/** The happy path, in order. Each step needs its own evidence and the previous step. */
const STEPS: readonly { from: OrderStatus; to: OrderStatus }[] = [
  { from: "placed", to: "billed" },
  { from: "billed", to: "ready_to_ship" },
];

const evidenceOf = (event: OrderBilled | ShippingLabelCreated): Evidence => ({
  eventId: event.id,
  eventType: event.type,
  source: event.source,
  at: event.time,
});

/**
 * Records what an event proves and advances the order as far as the evidence allows,
 * so events arriving out of order still move it through every status in order.
 */
export function recordEvent(state: OrderState, event: OrderBilled | ShippingLabelCreated, now: Date): {
  state: OrderState;
  transitions: Transition[];
  changed: boolean;
} {
  const order = structuredClone(state.order);
  const evidence = { ...state.evidence };
  let changed = false;

  if (event.type === "order.billed.v1" && !order.payment) {
    const { invoiceId, paymentId, amount, currency, billedAt } = event.data;
    order.payment = { invoiceId, paymentId, amount, currency, billedAt };
    evidence.billed = evidenceOf(event);
    changed = true;
  }
  if (event.type === "shipping_label.created.v1" && !order.shipment) {
    const { shipmentId, carrier, service, trackingNumber, trackingUrl, labelUrl } = event.data;
    order.shipment = { shipmentId, carrier, service, trackingNumber, labelUrl, ...(trackingUrl ? { trackingUrl } : {}) };
    evidence.ready_to_ship = evidenceOf(event);
    changed = true;
  }
  if (!changed) return { state, transitions: [], changed: false };

  const transitions: Transition[] = [];
  for (const step of STEPS) {
    const proof = evidence[step.to];
    if (order.status === step.from && proof) {
      transitions.push({ from: step.from, to: step.to, evidence: proof });
      order.status = step.to;
      order.timeline.push({ status: step.to, ...proof });
    }
  }
  order.version += Math.max(1, transitions.length);
  order.updatedAt = now.toISOString();
  return { state: { order, evidence }, transitions, changed: true };
}
