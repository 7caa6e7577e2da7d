import { z } from "zod";
import { CloudEvent } from "./envelope";
import { eventCatalog, type EventType } from "./events";
import { consumerOf, deadLetterQueueOf, QUEUES, typesFor } from "./topology";

type Ref = { $ref: string };

/** The worker a wrangler.toml path names (`wrangler.toml` is Sales at the root). */
const workerOf = (config: string) => config.split("/").at(-2) ?? "sales";
const serviceOf = (source: string) => source.replace(/^\//, "");
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: "draft-7", io: "output", unrepresentable: "any" }) as Record<string, unknown>;

/**
 * The event catalogue as an AsyncAPI 3.0 document, generated from the same zod contracts and
 * topology the workers run on: channels are the Cloudflare Queues, messages are the events
 * (CloudEvents 1.0 in structured JSON mode: the envelope is the payload, `data` its body),
 * operations say which service sends to and which receives from each queue.
 */
export function asyncApiDocument() {
  const messageRef = (type: EventType): Ref => ({ $ref: `#/components/messages/${type}` });
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const queue of QUEUES) {
    const types = typesFor(queue);
    channels[queue] = {
      address: queue,
      title: `Queue ${queue}`,
      description: `The Cloudflare Queue \`${queue}\`, consumed by the ${workerOf(consumerOf[queue])} worker; what it cannot handle goes to \`${deadLetterQueueOf(queue)}\`.`,
      messages: Object.fromEntries(types.map((type) => [type, messageRef(type)])),
    };
    const inChannel = (type: EventType): Ref => ({ $ref: `#/channels/${queue}/messages/${type}` });
    operations[`${workerOf(consumerOf[queue])}-receives-${queue}`] = {
      action: "receive",
      channel: { $ref: `#/channels/${queue}` },
      summary: `The ${workerOf(consumerOf[queue])} worker consumes \`${queue}\`.`,
      messages: types.map(inChannel),
    };
    for (const [service, sent] of groupBy(types, (type) => serviceOf(eventCatalog[type].source))) {
      operations[`${service}-sends-to-${queue}`] = {
        action: "send",
        channel: { $ref: `#/channels/${queue}` },
        summary: `The ${service} worker publishes to \`${queue}\`.`,
        messages: sent.map(inChannel),
      };
    }
  }
  const messages = Object.fromEntries(
    (Object.keys(eventCatalog) as EventType[]).map((type) => {
      const definition = eventCatalog[type];
      return [
        type,
        {
          name: type,
          title: type,
          summary: `Published by ${serviceOf(definition.source)} (CloudEvents source \`${definition.source}\`).`,
          contentType: "application/json",
          payload: jsonSchema(definition.schema),
          correlationId: { description: "Every event of one order carries the order id.", location: "$message.payload#/correlationid" },
        },
      ];
    }),
  );
  return {
    asyncapi: "3.0.0",
    info: {
      title: "choreo events",
      version: "1.0.0",
      description:
        "The events choreo's workers exchange through Cloudflare Queues. Every message is a CloudEvents 1.0 envelope in structured JSON mode with two extensions: `correlationid` (the order id) and `causationid` (the event this one answers). Consumers ignore an event whose `id` they applied before.",
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: { messages, schemas: { CloudEvent: jsonSchema(CloudEvent) } },
  };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

