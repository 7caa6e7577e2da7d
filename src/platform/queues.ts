import type { AnyEvent } from "../contracts/events";
import { producerBindingOf, QUEUES, recipientsOf, subscriptions, type QueueName, type SubscriptionTable } from "../contracts/topology";
import { errorMessage, log } from "./log";
import { deliveryHooks, type DeliveryRecord } from "./delivery-hooks";
import { webhookSubscriptions, type SubscribedTypes, type WebhookSubscriptionsEnv } from "./webhook-subscriptions";

export type QueueProducers = Partial<Record<QueueName, Queue>>;

/** Picks every producer binding a worker declares, by the `<QUEUE>_QUEUE` naming rule. */
export function queueProducers(env: object): QueueProducers {
  const producers: QueueProducers = {};
  const bindings = env as Record<string, unknown>;
  for (const queue of QUEUES) {
    const binding = bindings[producerBindingOf(queue)];
    if (binding) producers[queue] = binding as Queue;
  }
  return producers;
}

const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 200_000; // under the 256 KB sendBatch limit, with room for metadata

/** Splits messages into `sendBatch` calls within its limits: 100 messages, and under 256 KB (`sizeOf` each). */
export function* chunks<T>(items: readonly T[], sizeOf: (item: T) => number): Generator<T[]> {
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) yield current;
}

/** What a publisher needs: its producer bindings and the webhook subscriptions. */
export type Publishing = {
  producers: QueueProducers;
  /** The event types webhook endpoints take; undefined = every type. */
  webhookTypes: () => Promise<SubscribedTypes>;
  /** Who takes each type: the choreography's table unless the order's flow says otherwise. */
  subscriptions?: () => SubscriptionTable;
};

export const publishingFor = (env: WebhookSubscriptionsEnv, table?: () => SubscriptionTable): Publishing => ({
  producers: queueProducers(env),
  webhookTypes: () => webhookSubscriptions(env),
  ...(table ? { subscriptions: table } : {}),
});

/** What one publication reached: the queues every event of it is on, and whether that is all of them. */
export type Delivery = { reached: Set<QueueName>; complete: boolean };

/**
 * Sends events to every queue subscribed to them (src/contracts/topology.ts), skipping the
 * queues in `reached` (sent in an earlier try), one `sendBatch` per queue and chunk. A failed
 * queue is reported, not thrown: the caller keeps the events and tries again later.
 */
export async function publishEvents(
  publishing: Publishing,
  events: readonly AnyEvent[],
  options: { reached?: ReadonlySet<QueueName> | undefined; firstTry?: boolean } = {},
): Promise<Delivery> {
  const { reached = new Set<QueueName>(), firstTry = true } = options;
  const { producers } = publishing;
  const hooks = deliveryHooks();
  const webhookTypes = await publishing.webhookTypes();
  const table = publishing.subscriptions?.() ?? subscriptions;
  const byQueue = new Map<QueueName, AnyEvent[]>();
  // Measured once per event, however many queues it goes to.
  const sizes = new Map(events.map((event) => [event, JSON.stringify(event).length]));
  for (const event of events) {
    for (const queue of recipientsOf(event, webhookTypes, table)) {
      if (reached.has(queue)) continue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), event]);
    }
  }
  const now = new Set(reached);
  let complete = true;
  const published: DeliveryRecord[] = [];
  await Promise.all(
    [...byQueue].map(async ([queue, list]) => {
      const producer = producers[queue];
      if (!producer) {
        complete = false;
        log("error", "no producer binding for subscribed queue; events kept", { queue, binding: producerBindingOf(queue) });
        return;
      }
      try {
        for (const chunk of chunks(list, (event) => sizes.get(event)!)) {
          await hooks?.beforeSend(queue, chunk, firstTry);
          await producer.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
          if (hooks) published.push(...chunk.map((event) => ({ kind: "published" as const, queue, eventId: event.id, type: event.type })));
        }
        now.add(queue);
      } catch (error) {
        complete = false;
        log("warn", "publishing failed; the events are kept and sent again", { queue, error: errorMessage(error) });
      }
    }),
  );
  await hooks?.record(published);
  return { reached: now, complete };
}
