import type { AnyEvent, EventType } from "./events";

/**
 * Queues allow one consumer each, so publish-subscribe is a table: the publisher's relay
 * sends every event to each queue subscribed to its type. Adding a consumer is a queue,
 * a row here and a producer binding; no publisher code changes.
 */
export const QUEUES = ["sales", "billing", "warehouse", "email", "sms", "webhooks", "projections"] as const;
export type QueueName = (typeof QUEUES)[number];

export const subscriptions: Record<EventType, readonly QueueName[]> = {
  "order.placed.v1": ["billing", "email", "sms", "webhooks", "projections"],
  "order.billed.v1": ["warehouse", "sales", "webhooks", "projections"],
  "shipping_label.created.v1": ["sales", "webhooks", "projections"],
  "order.status_changed.v1": ["email", "sms", "webhooks", "projections"],
  "order.billing_failed.v1": ["sales", "email", "webhooks", "projections"],
  "stock.unavailable.v1": ["billing", "webhooks", "projections"],
  "order.refunded.v1": ["sales", "email", "webhooks", "projections"],
  "order.cancelled.v1": ["billing", "warehouse", "webhooks", "projections"],
};

/**
 * A subscriber that acts on only some events of a type names them here, and the relay sends
 * it no others: each event it would drop costs a queue message (3 billed operations), a
 * Durable Object request and consumer time. Every subscriber of a type not listed gets all.
 */
export const interest: { [T in EventType]?: Partial<Record<QueueName, (event: Extract<AnyEvent, { type: T }>) => boolean>> } = {
  // Integrations send one message for a status change: the shipping notice, at ready_to_ship
  // (workers/integrations/templates.ts). The other snapshots would only be read and dropped.
  "order.status_changed.v1": {
    email: (event) => event.data.order.status === "ready_to_ship",
    sms: (event) => event.data.order.status === "ready_to_ship",
  },
};

/** Which worker consumes each queue (one consumer per queue), by the path of its wrangler.toml. */
export const consumerOf: Record<QueueName, string> = {
  sales: "wrangler.toml",
  billing: "workers/billing/wrangler.toml",
  warehouse: "workers/warehouse/wrangler.toml",
  // One worker for all three channels, but each its own queue and DLQ: an outage at one
  // provider backs up only its own queue.
  email: "workers/integrations/wrangler.toml",
  sms: "workers/integrations/wrangler.toml",
  webhooks: "workers/integrations/wrangler.toml",
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

/**
 * The producer binding a consumer uses to park messages in a queue's DLQ: `DEAD_LETTERS` for
 * a worker that consumes one queue, `<QUEUE>_DEAD_LETTERS` for one that consumes several, so
 * each queue's poison messages land in its own DLQ.
 */
export function deadLetterBindingOf(queue: QueueName): string {
  const shared = QUEUES.filter((other) => consumerOf[other] === consumerOf[queue]).length > 1;
  return shared ? `${queue.toUpperCase().replace(/-/g, "_")}_DEAD_LETTERS` : "DEAD_LETTERS";
}

/** The producer binding a worker must declare to publish to a queue: `billing` → `BILLING_QUEUE`. */
export const producerBindingOf = (queue: string) => `${queue.toUpperCase().replace(/-/g, "_")}_QUEUE`;
