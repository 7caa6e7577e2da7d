import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { billedEvent, placedEvent, statusChangedEvent } from "../../test/fixtures/orders";
import type { EventType } from "../contracts/events";
import { subscribersOf } from "../contracts/topology";
import { ENTITY_KEY, EntityStore, type EntityRecord } from "./entity";
import type { Publishing, QueueProducers } from "./queues";
import type { SubscribedTypes } from "./webhook-subscriptions";

/** A queue producer that fails its first `failures` sends, then records what it gets. */
function flakyQueue(failures: number) {
  const received: unknown[] = [];
  let left = failures;
  const queue = {
    async sendBatch(messages: { body: unknown }[]) {
      if (left-- > 0) throw new Error("queue send failed");
      received.push(...messages.map((m) => m.body));
    },
  };
  return { queue: queue as unknown as Queue, received };
}

/** Working producers for every queue subscribed to `type`, with `overrides` in place of some. */
const producersFor = (type: EventType, overrides: QueueProducers, webhookTypes?: SubscribedTypes): Publishing => ({
  producers: Object.fromEntries(subscribersOf(type).map((queue) => [queue, overrides[queue] ?? flakyQueue(0).queue])),
  webhookTypes: async () => webhookTypes,
});

// A fresh Durable Object's real storage hosts an EntityStore with fake producers.
const freshObject = () => env.ORDERS.get(env.ORDERS.newUniqueId());
type Note = { note: string };

describe("EntityStore", () => {
  it("writes state, applied id and events as one record, then publishes to every subscribed queue", async () => {
    const billing = flakyQueue(0);
    const integrations = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new EntityStore<Note>(state.storage, producersFor("order.placed.v1", { billing: billing.queue, integrations: integrations.queue }));
      const cause = placedEvent();
      const published = placedEvent();
      expect(await store.commit({ id: cause.id, by: "event" }, { note: "one" }, [published])).toBe(true);
      expect(billing.received).toEqual([published]);
      expect(integrations.received).toEqual([published]); // the webhook subscriptions unknown: every type
      expect([...state.storage.kv.list()].map(([key]) => key)).toEqual([ENTITY_KEY]);
      const record = state.storage.kv.get<EntityRecord<Note>>(ENTITY_KEY)!;
      expect(record.state).toEqual({ note: "one" });
      expect(record.applied).toEqual([cause.id]);
      expect(new EntityStore<Note>(state.storage, producersFor("order.placed.v1", {})).hasApplied(cause.id)).toBe(true);
    });
  });

  it("drops what went out with the next write, and keeps what did not until it is sent", async () => {
    const billing = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new EntityStore<Note>(state.storage, producersFor("order.placed.v1", { billing: billing.queue }));
      const first = placedEvent();
      await store.commit({ id: "request-1", by: "request" }, { note: "one" }, [first]);
      await store.commit({ id: "request-2", by: "request" }, { note: "two" }, [placedEvent()]);
      const record = state.storage.kv.get<EntityRecord<Note>>(ENTITY_KEY)!;
      expect(record.unsent.map((publication) => publication.cause)).toEqual(["request-2"]);
    });
  });

  it("sends a failed publication again on redelivery, to the queues still missing only", async () => {
    const warehouse = flakyQueue(1);
    const sales = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new EntityStore<Note>(state.storage, producersFor("order.billed.v1", { warehouse: warehouse.queue, sales: sales.queue }));
      const cause = placedEvent();
      const billed = billedEvent(cause.subject);
      expect(await store.settle(cause, { note: "billed" }, [billed])).toMatchObject({ kind: "retry" });
      expect(sales.received).toEqual([billed]);
      expect(warehouse.received).toEqual([]);
      // The message comes back: it changes nothing, and sends what is missing.
      expect(store.hasApplied(cause.id)).toBe(true);
      expect(await store.redelivered(cause)).toMatchObject({ kind: "done" });
      expect(sales.received).toEqual([billed]);
      expect(warehouse.received).toEqual([billed]);
      expect(await store.redelivered(cause)).toMatchObject({ kind: "done" });
      expect(warehouse.received).toEqual([billed]);
    });
  });

  it("sends integrations only the events a notice or a webhook endpoint needs", async () => {
    for (const [webhookTypes, expected] of [
      [new Set<EventType>(), ["ready"]],
      [new Set<EventType>(["order.billed.v1"]), ["billed", "ready"]],
      [undefined, ["billed", "ready"]], // the set unknown: every type
    ] as const) {
      const integrations = flakyQueue(0);
      const projections = flakyQueue(0);
      await runInDurableObject(freshObject(), async (_instance, state) => {
        const queues = { integrations: integrations.queue, projections: projections.queue, sales: flakyQueue(0).queue, warehouse: flakyQueue(0).queue };
        const store = new EntityStore<Note>(state.storage, { producers: queues, webhookTypes: async () => webhookTypes });
        const placed = placedEvent();
        const billed = billedEvent(placed.subject, placed);
        const ready = statusChangedEvent(placed, "ready_to_ship"); // the shipping notice
        expect(await store.commit({ id: "request", by: "request" }, { note: "x" }, [billed, ready])).toBe(true);
        expect(integrations.received).toEqual(expected.map((name) => ({ billed, ready })[name]));
      });
    }
  });

  it("after a restart, sends a request's publication again and then forgets it", async () => {
    const billing = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const before = new EntityStore<Note>(state.storage, producersFor("order.placed.v1", { billing: flakyQueue(1).queue }));
      const placed = placedEvent();
      expect(await before.commit({ id: placed.id, by: "request" }, { note: "placed" }, [placed])).toBe(false);
      // A new life knows nothing of what the last one sent: the record says what is still owed.
      const after = new EntityStore<Note>(state.storage, producersFor("order.placed.v1", { billing: billing.queue }));
      expect(after.hasUnsentRequests()).toBe(true);
      expect(await after.flushRequests()).toBe(true);
      expect(billing.received).toEqual([placed]);
      expect(after.hasUnsentRequests()).toBe(false);
      expect(state.storage.kv.get<EntityRecord<Note>>(ENTITY_KEY)!.unsent).toEqual([]);
    });
  });
});
