import type { AnyEvent, EventType } from "./events";

/**
 * Queues allow one consumer each, so publish-subscribe is a table: the publisher's relay
 * sends every event to each queue subscribed to its type. Adding a consumer is a queue,
 * a row here and a producer binding; no publisher code changes.
 */
export const QUEUES = ["sales", "billing", "warehouse", "integrations", "projections"] as const;
export type QueueName = (typeof QUEUES)[number];

export const subscriptions: Record<EventType, readonly QueueName[]> = {
  "order.placed.v1": ["billing", "integrations", "projections"],
  "order.billed.v1": ["warehouse", "sales", "integrations", "projections"],
  "shipping_label.created.v1": ["sales", "integrations", "projections"],
  "order.status_changed.v1": ["integrations", "projections"],
  "order.billing_failed.v1": ["sales", "integrations", "projections"],
  "stock.unavailable.v1": ["billing", "integrations", "projections"],
  "order.refunded.v1": ["sales", "integrations", "projections"],
  "order.cancelled.v1": ["billing", "warehouse", "integrations", "projections"],
};

/**
 * A subscriber that acts on only some events of a type names them here, and the relay sends
 * it no others: each event it would drop costs a queue message (3 billed operations), a
 * Durable Object request and consumer time. Every subscriber of a type not listed gets all.
 */
export const interest: { [T in EventType]?: Partial<Record<QueueName, (event: Extract<AnyEvent, { type: T }>) => boolean>> } = {};

/** Which worker consumes each queue (one consumer per queue), by the path of its wrangler.toml. */
export const consumerOf: Record<QueueName, string> = {
  sales: "wrangler.toml",
  billing: "workers/billing/wrangler.toml",
  warehouse: "workers/warehouse/wrangler.toml",
  // Email, SMS and webhooks from one queue: each message is dispatched to every channel it
  // calls for, and a channel whose provider is down retries alone (workers/integrations).
  integrations: "workers/integrations/wrangler.toml",
  projections: "workers/projections/wrangler.toml",
};

/** The worker that consumes every dead-letter queue and replays from it. */
export const DEAD_LETTER_CONSUMER = "workers/dead-letters/wrangler.toml";

/** Event types a queue receives. */
export function typesFor(queue: QueueName): EventType[] {
  return (Object.keys(subscriptions) as EventType[]).filter((type) => subscriptions[type].includes(queue));
}

export function subscribersOf(type: EventType): readonly QueueName[] {
  return subscriptions[type];
}

/** The queues this very event goes to: its type's subscribers, less those not interested in it. */
export function recipientsOf(event: AnyEvent): readonly QueueName[] {
  const filters = interest[event.type] as Partial<Record<QueueName, (event: AnyEvent) => boolean>> | undefined;
  return filters ? subscriptions[event.type].filter((queue) => filters[queue]?.(event) ?? true) : subscriptions[event.type];
}

/** Each queue's dead-letter queue, where messages that can never succeed are kept. */
export const deadLetterQueueOf = (queue: QueueName) => `${queue}-dlq` as const;

/** The producer binding a worker must declare to publish to a queue: `billing` → `BILLING_QUEUE`. */
export const producerBindingOf = (queue: string) => `${queue.toUpperCase().replace(/-/g, "_")}_QUEUE`;
