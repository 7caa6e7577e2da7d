import { CloudEvent as CloudEventSchema, type CloudEvent } from "../envelope";
import { orderBilled } from "./order-billed";
import { orderBillingFailed } from "./order-billing-failed";
import { orderCancelled } from "./order-cancelled";
import { orderPlaced } from "./order-placed";
import { orderRefunded } from "./order-refunded";
import { orderStatusChanged } from "./order-status-changed";
import { shippingLabelCreated } from "./shipping-label-created";
import { shipmentUndeliverable } from "./shipment-undeliverable";
import { stockUnavailable } from "./stock-unavailable";

export * from "./order-billed";
export * from "./order-billing-failed";
export * from "./order-cancelled";
export * from "./order-placed";
export * from "./order-refunded";
export * from "./order-status-changed";
export * from "./shipping-label-created";
export * from "./shipment-undeliverable";
export * from "./stock-unavailable";

/** Every event the system publishes. A type missing here can never be consumed. */
export const eventCatalog = {
  [orderPlaced.type]: orderPlaced,
  [orderBilled.type]: orderBilled,
  [shippingLabelCreated.type]: shippingLabelCreated,
  [orderStatusChanged.type]: orderStatusChanged,
  [orderBillingFailed.type]: orderBillingFailed,
  [stockUnavailable.type]: stockUnavailable,
  [shipmentUndeliverable.type]: shipmentUndeliverable,
  [orderRefunded.type]: orderRefunded,
  [orderCancelled.type]: orderCancelled,
} as const;

export type EventType = keyof typeof eventCatalog;
export type AnyEvent = { [T in EventType]: ReturnType<(typeof eventCatalog)[T]["create"]> }[EventType];
export type EventOf<T extends EventType> = Extract<AnyEvent, { type: T }>;

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}

export type { CloudEvent };

export type ReadResult =
  | { ok: true; event: AnyEvent }
  | { ok: false; reason: "invalid_envelope" | "unknown_type"; error: string };

/** Validates a message body: first the envelope, then the data against its type's schema. */
export function readEvent(body: unknown): ReadResult {
  const envelope = CloudEventSchema.safeParse(body);
  if (!envelope.success) return { ok: false, reason: "invalid_envelope", error: describe(envelope.error.issues) };
  const { type } = envelope.data;
  if (!isKnownEventType(type)) return { ok: false, reason: "unknown_type", error: `unknown event type ${type}` };
  const parsed = eventCatalog[type].schema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: "invalid_envelope", error: describe(parsed.error.issues) };
  return { ok: true, event: parsed.data as AnyEvent };
}

function describe(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
}
