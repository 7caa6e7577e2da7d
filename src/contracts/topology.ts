import type { AnyEvent, EventType } from "./events";
import type { OrderStatus } from "./values";

/**
 * Queues allow one consumer each, so publish-subscribe is a table: the publisher's relay
 * sends every event to each queue subscribed to its type. Adding a consumer is a queue,
 * a row here and a producer binding; no publisher code changes.
 */
export const QUEUES = ["sales", "billing", "warehouse", "integrations", "projections", "order-flow"] as const;
export type QueueName = (typeof QUEUES)[number];

/**
 * The queue a deployed queue's name stands for: `npm run deploy` prefixes each with the app's
 * name (`shop-billing` is `billing`), while letters and replays speak of the queue itself.
 */
export const queueNamed = (deployed: string): QueueName | undefined => QUEUES.find((queue) => deployed === queue || deployed.endsWith(`-${queue}`));

/**
 * Projections take Sales' status snapshots (event-carried state transfer: each carries the whole
 * order, with the time of every step) and refunds, the one fact a snapshot may not carry (a
 * refund after a customer's cancellation changes no status). The other events would repeat
 * what the next snapshot says, at a queue message each.
 */
export const subscriptions: Record<EventType, readonly QueueName[]> = {
  "order.placed.v1": ["billing", "integrations"],
  "order.billed.v1": ["warehouse", "sales", "integrations"],
  "shipping_label.created.v1": ["sales", "integrations"],
  "order.status_changed.v1": ["integrations", "projections"],
  "order.billing_failed.v1": ["sales", "integrations"],
  "stock.unavailable.v1": ["billing", "integrations"],
  "shipment.undeliverable.v1": ["billing", "integrations"],
  "order.refunded.v1": ["sales", "integrations", "projections"],
  "order.cancelled.v1": ["billing", "warehouse", "integrations"],
};

/**
 * Integrations acts on an event for the customer's notices (workers/integrations/templates.ts)
 * or for a webhook endpoint. The notices: the billed (confirmation), ready_to_ship (shipping) and
 * billing_failed (payment failed) snapshots, the cancelled one (it names the customer of a
 * refund that may follow) and every refund. Every other event it would only read and drop,
 * each costing a queue message (three billed operations) and consumer time.
 */
const NOTICE_STATUSES: ReadonlySet<OrderStatus> = new Set(["billed", "ready_to_ship", "billing_failed", "cancelled"]);

export function callsForNotice(event: AnyEvent): boolean {
  if (event.type === "order.refunded.v1") return true;
  return event.type === "order.status_changed.v1" && NOTICE_STATUSES.has(event.data.order.status);
}

/**
 * Who runs an order through its steps. `choreography` (the default): each service reacts to the
 * events above. `orchestration`: one Cloudflare Workflow per order (workers/order-flow) charges,
 * ships and records each fact at Sales itself, so only the observers hear of them by queue.
 */
export const ORDER_FLOWS = ["choreography", "orchestration"] as const;
export type OrderFlow = (typeof ORDER_FLOWS)[number];

/** `ORDER_FLOW` of a worker's env: anything but "orchestration" is the default choreography. */
export const orderFlowOf = (setting: unknown): OrderFlow => (setting === "orchestration" ? "orchestration" : "choreography");

/** The services the workflow calls step by step in orchestration: no queue of theirs carries an order's facts. */
const ORCHESTRATED: ReadonlySet<QueueName> = new Set(["sales", "billing", "warehouse"]);

/**
 * Orchestration's table: the same events reach the same observers (integrations, projections);
 * `order.placed` starts the order's workflow instead of reaching Billing.
 */
export const orchestratedSubscriptions = Object.fromEntries(
  (Object.entries(subscriptions) as [EventType, readonly QueueName[]][]).map(([type, queues]) => [
    type,
    [...(type === "order.placed.v1" ? (["order-flow"] as const) : []), ...queues.filter((queue) => !ORCHESTRATED.has(queue))],
  ]),
) as unknown as Record<EventType, readonly QueueName[]>;

export type SubscriptionTable = Record<EventType, readonly QueueName[]>;

export const subscriptionsOf = (flow: OrderFlow): SubscriptionTable => (flow === "orchestration" ? orchestratedSubscriptions : subscriptions);

/** Which worker consumes each queue (one consumer per queue), by the path of its wrangler.toml. */
export const consumerOf: Record<QueueName, string> = {
  sales: "wrangler.toml",
  billing: "workers/billing/wrangler.toml",
  warehouse: "workers/warehouse/wrangler.toml",
  // Email, SMS and webhooks from one queue: each message is dispatched to every channel it
  // calls for, and a channel whose provider is down retries alone (workers/integrations).
  integrations: "workers/integrations/wrangler.toml",
  projections: "workers/projections/wrangler.toml",
  // Starts one Workflow per order placed while ORDER_FLOW is "orchestration".
  "order-flow": "workers/order-flow/wrangler.toml",
};

/** The worker that consumes every dead-letter queue and replays from it. */
export const DEAD_LETTER_CONSUMER = "workers/dead-letters/wrangler.toml";

/** Event types a queue receives, in either flow. */
export function typesFor(queue: QueueName): EventType[] {
  return (Object.keys(subscriptions) as EventType[]).filter((type) => subscriptions[type].includes(queue) || orchestratedSubscriptions[type].includes(queue));
}

export function subscribersOf(type: EventType): readonly QueueName[] {
  return subscriptions[type];
}

/** True when a webhook endpoint may take events of `type`: always when the set is unknown. */
export const webhooksWant = (type: EventType, subscribed: ReadonlySet<EventType> | undefined): boolean => subscribed === undefined || subscribed.has(type);

/**
 * The queues this very event goes to: its type's subscribers, except integrations when the
 * event calls for no notice and no webhook endpoint takes its type. `subscribedWebhookTypes`
 * undefined means every type is taken (the safe default when the set is unknown).
 */
export function recipientsOf(event: AnyEvent, subscribedWebhookTypes?: ReadonlySet<EventType>, table: SubscriptionTable = subscriptions): readonly QueueName[] {
  const integrations = callsForNotice(event) || webhooksWant(event.type, subscribedWebhookTypes);
  return integrations ? table[event.type] : table[event.type].filter((queue) => queue !== "integrations");
}

/** Where the dead-letter consumer's own failures go after its retries: nothing consumes it (inspect it in the dashboard). */
export const LAST_RESORT_QUEUE = "dead-letters-last-resort";

/** Each queue's dead-letter queue, where messages that can never succeed are kept. */
export const deadLetterQueueOf = (queue: QueueName) => `${queue}-dlq` as const;

/** The producer binding a worker must declare to publish to a queue: `billing` → `BILLING_QUEUE`. */
export const producerBindingOf = (queue: string) => `${queue.toUpperCase().replace(/-/g, "_")}_QUEUE`;
