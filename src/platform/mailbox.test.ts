import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { billedEvent, placedEvent, statusChangedEvent } from "../../test/fixtures/orders";
import type { EventType } from "../contracts/events";
import { subscribersOf } from "../contracts/topology";
import { Mailbox, OUTBOX_TIMER, type QueueProducers } from "./mailbox";
import { Timers } from "./timers";

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
const producersFor = (type: EventType, overrides: QueueProducers): QueueProducers =>
  Object.fromEntries(subscribersOf(type).map((queue) => [queue, overrides[queue] ?? flakyQueue(0).queue]));

// A fresh Durable Object's real SQLite storage and alarm hosts a Mailbox with fake producers.
const freshObject = () => env.ORDERS.get(env.ORDERS.newUniqueId());

describe("Mailbox", () => {
  it("relays staged events to every subscribed queue and empties the outbox", async () => {
    const billing = flakyQueue(0);
    const projections = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const mailbox = new Mailbox(state, new Timers(state.storage), producersFor("order.placed.v1", { billing: billing.queue, projections: projections.queue }), { retryBaseMs: 60_000 });
      const placed = placedEvent();
      mailbox.commit(() => ({ value: undefined, publish: [placed] }));
      await mailbox.relay();
      expect(billing.received).toEqual([placed]);
      expect(projections.received).toEqual([placed]);
      expect(mailbox.pendingCount()).toBe(0);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("keeps an event whose send failed and delivers it from the alarm", async () => {
    const billing = flakyQueue(1);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const mailbox = new Mailbox(state, new Timers(state.storage), producersFor("order.placed.v1", { billing: billing.queue }), { retryBaseMs: 60_000 });
      const placed = placedEvent();
      mailbox.commit(() => ({ value: undefined, publish: [placed] }));
      await mailbox.relay();
      expect(billing.received).toEqual([]);
      expect(mailbox.pendingCount()).toBe(1);
      expect(new Timers(state.storage).dueOf(OUTBOX_TIMER)).toBeGreaterThan(Date.now());
      expect(await state.storage.getAlarm()).not.toBeNull();

      await mailbox.relay(); // what the alarm does when the outbox timer is due
      expect(billing.received).toEqual([placed]);
      expect(mailbox.pendingCount()).toBe(0);
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
        const producers = { ...producersFor("order.billed.v1", { integrations: integrations.queue, projections: projections.queue }), ...producersFor("order.status_changed.v1", { integrations: integrations.queue, projections: projections.queue }) };
        const mailbox = new Mailbox(state, new Timers(state.storage), producers, { retryBaseMs: 60_000, webhookSubscriptions: async () => webhookTypes });
        const placed = placedEvent();
        const billed = billedEvent(placed.subject, placed);
        const ready = statusChangedEvent(placed, "ready_to_ship"); // the shipping notice
        mailbox.commit(() => ({ value: undefined, publish: [billed, ready] }));
        await mailbox.relay();
        expect(projections.received).toEqual([billed, ready]);
        expect(integrations.received).toEqual(expected.map((name) => ({ billed, ready })[name]));
        expect(mailbox.pendingCount()).toBe(0);
      });
    }
  });

  it("sends to the queues still missing only, so a partial failure does not duplicate", async () => {
    const warehouse = flakyQueue(1);
    const sales = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const mailbox = new Mailbox(state, new Timers(state.storage), producersFor("order.billed.v1", { warehouse: warehouse.queue, sales: sales.queue }), { retryBaseMs: 60_000 });
      const billed = billedEvent(placedEvent().subject);
      mailbox.commit(() => ({ value: undefined, publish: [billed] }));
      await mailbox.relay();
      expect(sales.received).toHaveLength(1);
      expect(warehouse.received).toHaveLength(0);
      await mailbox.relay();
      expect(sales.received).toHaveLength(1);
      expect(warehouse.received).toEqual([billed]);
    });
  });

  it("applies an incoming event once: a redelivery changes nothing and publishes nothing", async () => {
    const billing = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const mailbox = new Mailbox(state, new Timers(state.storage), producersFor("order.placed.v1", { billing: billing.queue }), { retryBaseMs: 60_000 });
      let applied = 0;
      const incoming = placedEvent();
      for (let i = 0; i < 3; i++) {
        mailbox.receive(incoming.id, () => {
          applied++;
          return { value: undefined, publish: [placedEvent()] };
        });
      }
      await mailbox.relay();
      expect(applied).toBe(1);
      expect(billing.received).toHaveLength(1);
      expect(mailbox.hasReceived(incoming.id)).toBe(true);
    });
  });

  it("rolls back the inbox record and the outbox when the change throws", async () => {
    const billing = flakyQueue(0);
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const mailbox = new Mailbox(state, new Timers(state.storage), { billing: billing.queue }, { retryBaseMs: 60_000 });
      const incoming = placedEvent();
      expect(() =>
        mailbox.receive(incoming.id, () => {
          state.storage.sql.exec("INSERT INTO outbox (event, pending) VALUES ('{}', '[\"billing\"]')");
          throw new Error("invariant broken");
        }),
      ).toThrow("invariant broken");
      expect(mailbox.hasReceived(incoming.id)).toBe(false);
      expect(mailbox.pendingCount()).toBe(0);
    });
  });
});
