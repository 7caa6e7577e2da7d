import { shipmentUndeliverable, shippingLabelCreated, stockUnavailable, type AnyEvent, type OrderBilled, type OrderCancelled } from "../../src/contracts/events";
import { retryFor, type Reject, type Retry } from "../../src/platform/outcome";
import type { Trace } from "../../src/platform/provider-once";
import type { LabelPurchase, LabelVoid } from "./carrier";
import type { Allocation } from "./inventory";

export type ShipmentRecord = {
  shipmentId: string;
  orderId: string;
  /**
   * `unavailable`: stock was short and Billing was told; `undeliverable`: the carrier would not
   * take the parcel, the stock went back and Billing was told; `cancelled`: the customer cancelled.
   */
  status: "allocated" | "labelled" | "unavailable" | "undeliverable" | "cancelled";
  allocatedAt?: string;
  /** The SKUs the order takes stock of. */
  skus?: string[];
  /** Label purchases tried; one that got no answer is looked up at the carrier before buying again. */
  labelAttempts: number;
  label?: { transactionId: string; carrier: string; service: string; trackingNumber: string; trackingUrl?: string; labelUrl: string; createdAt: string };
  /** A label bought before the cancellation reached us is voided (postage refunded). */
  labelVoided?: { refundId: string; at: string };
  /** Why the carrier would not take the parcel. */
  undeliverable?: { reason: string; at: string };
  released?: { sku: string; quantity: number }[];
};

/**
 * What Warehouse does next. The decisions below are pure (shipment + message → next step); the
 * Shipment object performs the step (take stock, call the carrier, write) and feeds the result back.
 * Nothing is written before the stock is taken or the label bought: the stock items remember
 * what each order took, and an uncertain label attempt is looked up at the carrier, so a
 * shipment costs one write.
 */
export type ShippingStep =
  | { kind: "skip"; note: string }
  | Retry
  | Reject
  /** Take the order's stock (again, for a redelivery: a stock item gives an order its stock once). */
  | { kind: "allocate"; shipment: ShipmentRecord; lines: { sku: string; quantity: number }[] }
  /** Buy the label; `uncertain`: an earlier attempt may have bought one, so the carrier is asked first. */
  | { kind: "buy_label"; shipment: ShipmentRecord; weightGrams: number; uncertain: boolean }
  | { kind: "void_label"; shipment: ShipmentRecord; transactionId: string }
  /** A label attempt got no answer: ask the carrier whether it bought one before cancelling. */
  | { kind: "look_up_label"; shipment: ShipmentRecord }
  /** Give back the stock the order holds of `skus`, then end the shipment as `ending` says. */
  | { kind: "release"; shipment: ShipmentRecord; skus: string[]; ending: Ending }
  | { kind: "record"; shipment: ShipmentRecord; publish: AnyEvent[] }
  /** Keep the count of a label attempt that did not get a label, then retry the message. */
  | { kind: "hold"; shipment: ShipmentRecord; retry: Retry };

/** How a shipment that gives its stock back ends, and what it tells the others. */
export type Ending = { status: "cancelled" | "undeliverable"; publish: AnyEvent[] };

const CANCELLED: Ending = { status: "cancelled", publish: [] };

/** A billed order is shipped once: stock taken, one label bought, announced. */
export function whenOrderBilled(shipment: ShipmentRecord | undefined, event: OrderBilled, context: { shipmentId: string; now: Date }): ShippingStep {
  if (shipment && shipment.status !== "allocated") return { kind: "skip", note: `shipment already ${shipment.status}` };
  const { orderId, lines } = event.data;
  const current = shipment ?? { shipmentId: context.shipmentId, orderId, status: "allocated" as const, labelAttempts: 0 };
  const draft: ShipmentRecord = { ...current, skus: lines.map((line) => line.sku), allocatedAt: current.allocatedAt ?? context.now.toISOString() };
  return { kind: "allocate", shipment: draft, lines };
}

/** Stock taken: buy the label for what was allocated. Stock short: tell Billing, so the customer is refunded. */
export function whenAllocated(shipment: ShipmentRecord, event: OrderBilled, allocation: Allocation, now: Date): ShippingStep {
  if (!allocation.ok) {
    const unavailable = stockUnavailable.create(
      { orderId: shipment.orderId, shortages: allocation.short, detectedAt: now.toISOString() },
      { subject: shipment.orderId, causedBy: event, time: now },
    );
    return { kind: "record", shipment: { ...shipment, status: "unavailable" }, publish: [unavailable] };
  }
  const weightGrams = allocation.lines.reduce((sum, line) => sum + line.weightGrams * line.quantity, 0);
  // Stock already held by this order, or a counted attempt: a label may have been bought without our hearing of it.
  return { kind: "buy_label", shipment, weightGrams, uncertain: allocation.alreadyAllocated || shipment.labelAttempts > 0 };
}

/** The carrier's answer: a label is announced once; an outage is retried; a refusal is parked. */
export function whenLabelBought(shipment: ShipmentRecord, event: OrderBilled, label: LabelPurchase, now: Date): ShippingStep {
  const attempt = { ...shipment, labelAttempts: shipment.labelAttempts + 1 };
  if (label.kind === "retryable") return { kind: "hold", shipment: attempt, retry: retryFor(label) };
  if (label.kind === "refused") return { kind: "reject", reason: label.reason };
  if (label.kind === "undeliverable") {
    // The customer is refunded (Billing) and the stock goes back on the shelf.
    const undeliverable = shipmentUndeliverable.create(
      { orderId: attempt.orderId, reason: label.reason, detectedAt: now.toISOString() },
      { subject: attempt.orderId, causedBy: event, time: now },
    );
    const ended = { ...attempt, undeliverable: { reason: label.reason, at: now.toISOString() } };
    return { kind: "release", shipment: ended, skus: attempt.skus ?? [], ending: { status: "undeliverable", publish: [undeliverable] } };
  }
  const createdAt = now.toISOString();
  const { kind: _kind, ...bought } = label;
  const created = shippingLabelCreated.create(
    { orderId: attempt.orderId, shipmentId: attempt.shipmentId, ...bought, createdAt },
    { subject: attempt.orderId, causedBy: event, time: now },
  );
  return { kind: "record", shipment: { ...attempt, status: "labelled", label: { ...bought, createdAt } }, publish: [created] };
}

/** The customer cancelled: void a label bought in the meantime, then give the stock back. */
export function whenCancelled(
  shipment: ShipmentRecord | undefined,
  event: OrderCancelled,
  context: {
    shipmentId: string;
    /** Tries that kept no record and got no answer (the order's workflow): each may have bought a label, bought no earlier than `since`. */
    unansweredTries?: { count: number; since: string };
  },
): ShippingStep {
  // No record: stock may still have been taken by an attempt that never got to write, so the
  // order's SKUs come from the cancellation (giving back stock an order does not hold is a no-op).
  const tries = context.unansweredTries;
  const current = shipment ?? {
    shipmentId: context.shipmentId,
    orderId: event.subject,
    status: "allocated" as const,
    labelAttempts: tries?.count ?? 0,
    ...(tries && tries.count > 0 ? { allocatedAt: tries.since } : {}),
    ...(event.data.skus ? { skus: event.data.skus } : {}),
  };
  if (current.status !== "allocated" && current.status !== "labelled") return { kind: "skip", note: `shipment already ${current.status}` };
  if (current.label && !current.labelVoided) return { kind: "void_label", shipment: current, transactionId: current.label.transactionId };
  if (!current.label && current.labelAttempts > 0) return { kind: "look_up_label", shipment: current };
  return { kind: "release", shipment: current, skus: current.skus ?? [], ending: CANCELLED };
}

/** What the carrier says of an unanswered label attempt: a label it bought is voided like any other. */
export function whenLabelLookedUp(shipment: ShipmentRecord, trace: Trace<LabelPurchase>): ShippingStep {
  if (trace.kind === "retryable") return retryFor(trace);
  if (trace.kind === "found" && trace.result.kind === "bought") {
    const { kind: _kind, ...bought } = trace.result;
    return { kind: "void_label", shipment: { ...shipment, label: { ...bought, createdAt: shipment.allocatedAt ?? new Date(0).toISOString() } }, transactionId: bought.transactionId };
  }
  return { kind: "release", shipment, skus: shipment.skus ?? [], ending: CANCELLED };
}

/** The label is voided (postage refunded): now the stock. */
export function whenLabelVoided(shipment: ShipmentRecord, voided: LabelVoid, now: Date): ShippingStep {
  if (voided.kind === "retryable") return retryFor(voided);
  if (voided.kind === "refused") return { kind: "reject", reason: voided.reason };
  const withVoid = { ...shipment, labelVoided: { refundId: voided.refundId, at: now.toISOString() } };
  return { kind: "release", shipment: withVoid, skus: shipment.skus ?? [], ending: CANCELLED };
}

/** The stock is back: the shipment ends (cancelled, or undeliverable and announced). */
export function whenReleased(shipment: ShipmentRecord, released: { sku: string; quantity: number }[], ending: Ending = CANCELLED): ShippingStep {
  return { kind: "record", shipment: { ...shipment, status: ending.status, released }, publish: ending.publish };
}

