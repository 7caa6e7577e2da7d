import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { eventCatalog, type EventType } from "../src/contracts/events";
import { consumerOf, DEAD_LETTER_CONSUMER, deadLetterQueueOf, LAST_RESORT_QUEUE, producerBindingOf, QUEUES, recipientsOf, subscriptions } from "../src/contracts/topology";
import { billedEvent, labelEvent, paymentStatusEvent, placedEvent, statusChangedEvent } from "./fixtures/orders";
import { MAX_RETRIES } from "../src/platform/consumer";
import { ROOT } from "./stack";

// The topology table is the single place that says who hears what. These checks keep every
// wrangler.toml in step with it, so a missing binding fails here rather than in production.
const configOf = (relative: string) => unstable_readConfig({ config: path.join(ROOT, relative) });
const producerConfig: Record<string, string> = {
  "/sales": "wrangler.toml",
  "/billing": "workers/billing/wrangler.toml",
  "/warehouse": "workers/warehouse/wrangler.toml",
};

describe("topology", () => {
  it.each(QUEUES)("queue %s is consumed by one worker, with its dead-letter queue", (queue) => {
    const config = configOf(consumerOf[queue]);
    const consumer = config.queues.consumers?.find((c: { queue: string }) => c.queue === queue);
    expect(consumer).toBeDefined();
    expect(consumer?.dead_letter_queue).toBe(deadLetterQueueOf(queue));
    // The runtime parks a message itself on its last delivery; it must know which one that is.
    expect(consumer?.max_retries).toBe(MAX_RETRIES);
    // The runtime parks poison messages itself, so it needs a producer for that same DLQ.
    expect(config.queues.producers).toContainEqual({ binding: "DEAD_LETTERS", queue: deadLetterQueueOf(queue) });
    const otherConsumers = Object.entries(consumerOf).filter(([q, file]) => q !== queue && file !== consumerOf[queue]);
    for (const [, file] of otherConsumers) {
      expect(configOf(file).queues.consumers?.map((c: { queue: string }) => c.queue) ?? []).not.toContain(queue);
    }
  });

  it("has each worker consume one queue at most, so DEAD_LETTERS always names that queue's DLQ", () => {
    const consumers = Object.values(consumerOf);
    expect(new Set(consumers).size).toBe(consumers.length);
  });

  it.each(QUEUES)("the dead letters of %s are archived and can be replayed to it", (queue) => {
    const config = configOf(DEAD_LETTER_CONSUMER);
    const consumer = config.queues.consumers?.find((c: { queue: string }) => c.queue === deadLetterQueueOf(queue));
    expect(consumer).toBeDefined();
    // The archive failing for a while delays letters, and after 20 minutes parks them where nothing is lost.
    expect(consumer).toMatchObject({ retry_delay: 60, max_retries: 20, dead_letter_queue: LAST_RESORT_QUEUE });
    expect(config.queues.producers).toContainEqual({ binding: producerBindingOf(queue), queue });
  });

  it.each(Object.keys(subscriptions) as EventType[])("every subscriber of %s is bound in its producer", (type) => {
    const source = eventCatalog[type].source;
    const config = configOf(producerConfig[source]!);
    for (const queue of subscriptions[type]) {
      expect(config.queues.producers).toContainEqual({ binding: producerBindingOf(queue), queue });
    }
  });

  describe("an order's happy path, placed → billed → ready_to_ship", () => {
    const placed = placedEvent();
    const billedSnapshot = paymentStatusEvent(placed, "billed");
    const placedSnapshot = { ...billedSnapshot, data: { previousStatus: null, order: { ...billedSnapshot.data.order, status: "placed" as const, version: 1 } } };
    const events = [placed, placedSnapshot, billedEvent(placed.subject, placed), billedSnapshot, labelEvent(placed.subject), statusChangedEvent(placed)];
    const messages = (webhookTypes?: ReadonlySet<EventType>) => events.flatMap((event) => recipientsOf(event, webhookTypes));

    it("costs 9 queue messages with no webhook endpoint: integrations gets only the confirmation and the shipping notice", () => {
      const none = messages(new Set());
      expect(none).toHaveLength(9);
      expect(events.filter((event) => recipientsOf(event, new Set()).includes("integrations"))).toEqual([billedSnapshot, events[5]]);
    });

    it("adds a message per event of a type an endpoint takes, and every type's when the set is unknown", () => {
      expect(messages(new Set(["shipping_label.created.v1"]))).toHaveLength(10);
      expect(messages(undefined)).toHaveLength(13);
    });
  });
});
