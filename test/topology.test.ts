import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { eventCatalog, type EventType } from "../src/contracts/events";
import { consumerOf, DEAD_LETTER_CONSUMER, deadLetterBindingOf, deadLetterQueueOf, producerBindingOf, QUEUES, subscriptions } from "../src/contracts/topology";
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
    expect(config.queues.producers).toContainEqual({ binding: deadLetterBindingOf(queue), queue: deadLetterQueueOf(queue) });
    const otherConsumers = Object.entries(consumerOf).filter(([q, file]) => q !== queue && file !== consumerOf[queue]);
    for (const [, file] of otherConsumers) {
      expect(configOf(file).queues.consumers?.map((c: { queue: string }) => c.queue) ?? []).not.toContain(queue);
    }
  });

  it("gives a worker consuming several queues one dead-letter binding per queue", () => {
    expect(deadLetterBindingOf("billing")).toBe("DEAD_LETTERS");
    const integrations = QUEUES.filter((queue) => consumerOf[queue] === "workers/integrations/wrangler.toml");
    expect(integrations.map(deadLetterBindingOf)).toEqual(["EMAIL_DEAD_LETTERS", "SMS_DEAD_LETTERS", "WEBHOOKS_DEAD_LETTERS"]);
    const producers = configOf("workers/integrations/wrangler.toml").queues.producers ?? [];
    for (const queue of integrations) {
      // Each DLQ is reached through exactly one binding, so one queue's poison never lands in another's DLQ.
      expect(producers.filter((p: { queue: string }) => p.queue === deadLetterQueueOf(queue))).toHaveLength(1);
    }
  });

  it.each(QUEUES)("the dead letters of %s are archived and can be replayed to it", (queue) => {
    const config = configOf(DEAD_LETTER_CONSUMER);
    expect(config.queues.consumers?.map((c: { queue: string }) => c.queue)).toContain(deadLetterQueueOf(queue));
    expect(config.queues.producers).toContainEqual({ binding: producerBindingOf(queue), queue });
  });

  it.each(Object.keys(subscriptions) as EventType[])("every subscriber of %s is bound in its producer", (type) => {
    const source = eventCatalog[type].source;
    const config = configOf(producerConfig[source]!);
    for (const queue of subscriptions[type]) {
      expect(config.queues.producers).toContainEqual({ binding: producerBindingOf(queue), queue });
    }
  });
});
