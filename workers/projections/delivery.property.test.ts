import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderStatusKey } from "../../src/contracts/order-status";
import { eventCatalog, type AnyEvent } from "../../src/contracts/events";
import { deliver, e, lakeObjects, orderStory, type Story } from "./test-helpers";

/** The lake objects of one day, across every type's partitions. */
const lakeObjectsOn = async (day: string) =>
  (await Promise.all(Object.keys(eventCatalog).map((type) => lakeObjects(`events/type=${type}/date=${day}/`)))).flat();

// Each run gets days of its own, so runs (and other test files) never share rows.
let runs = 0;
const dayOf = (run: number) => new Date(Date.UTC(2001, 0, 1) + run * 86_400_000);

const Shape = fc.record({
  ending: fc.constantFrom("ready", "billed", "placed", "declined"),
  skus: fc.subarray(["MUG-001", "TEE-001", "BOOK-001"], { minLength: 1 }),
  billedAfterMs: fc.integer({ min: 1, max: 3_600_000 }),
  readyAfterMs: fc.integer({ min: 1, max: 3_600_000 }),
  currency: fc.constantFrom("USD", "EUR"),
});

type Shape = typeof Shape extends fc.Arbitrary<infer T> ? T : never;

function storiesFor(shapes: Shape[], day: Date): Story[] {
  return shapes.map((shape, i) =>
    orderStory({
      placedAt: new Date(day.getTime() + 9 * 3_600_000 + i * 60_000),
      lines: shape.skus.map((sku, n) => ({ sku, quantity: n + 1, unitPrice: 1000 + 500 * n })),
      currency: shape.currency,
      billedAfterMs: shape.ending === "placed" ? null : shape.billedAfterMs,
      readyAfterMs: shape.ending === "ready" ? shape.readyAfterMs : null,
      declined: shape.ending === "declined",
      customerId: `cus_prop${i % 2}`,
    }),
  );
}

/** Everything the three stores hold about these orders, in a form that does not depend on batching. */
async function finalState(stories: Story[], day: string) {
  const ids = JSON.stringify(stories.map((story) => story.orderId));
  const rows = async (sql: string, ...params: unknown[]) => (await e.REPORTING.prepare(sql).bind(...params).all()).results;
  const lake = await lakeObjectsOn(day);
  const lakeEvents = lake.flatMap(({ key, text }) => text.trim().split("\n").map((line) => ({ key, event: JSON.parse(line) as AnyEvent })));
  const ledger = (await rows(`SELECT event_id, object_key FROM lake_events WHERE event_id IN (SELECT value FROM json_each(?1))`, JSON.stringify(lakeEvents.map(({ event }) => event.id)))) as {
    event_id: string;
    object_key: string;
  }[];
  // Which object holds an event depends on how deliveries were batched; that it is held once, and where the ledger says, does not.
  for (const { event, key } of lakeEvents) expect(ledger.find((row) => row.event_id === event.id)?.object_key).toBe(key);
  return {
    orders: await rows("SELECT * FROM orders WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id", ids),
    lines: await rows("SELECT * FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id, sku", ids),
    daily: await rows("SELECT * FROM daily_sales WHERE day = ?1 ORDER BY currency", day),
    cacheBookkeeping: await rows("SELECT * FROM order_status_cache WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id", ids),
    kv: await Promise.all(stories.map((story) => e.ORDER_STATUS.get(orderStatusKey(story.orderId), "json"))),
    lake: lakeEvents.map(({ event }) => event).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** Forgets these orders in every store, so the same events can be delivered again from nothing. */
async function forget(stories: Story[], day: string) {
  const ids = JSON.stringify(stories.map((story) => story.orderId));
  const eventIds = JSON.stringify(stories.flatMap((story) => story.events.map((event) => event.id)));
  await e.REPORTING.batch([
    ...["orders", "order_lines", "order_status_cache"].map((table) =>
      e.REPORTING.prepare(`DELETE FROM ${table} WHERE order_id IN (SELECT value FROM json_each(?1))`).bind(ids),
    ),
    e.REPORTING.prepare("DELETE FROM daily_sales WHERE day = ?1").bind(day),
    e.REPORTING.prepare("DELETE FROM lake_events WHERE event_id IN (SELECT value FROM json_each(?1))").bind(eventIds),
  ]);
  await Promise.all(stories.map((story) => e.ORDER_STATUS.delete(orderStatusKey(story.orderId))));
  await e.LAKE.delete((await lakeObjectsOn(day)).map(({ key }) => key));
}

async function deliverInBatches(events: AnyEvent[], sizes: number[]) {
  for (let start = 0, i = 0; start < events.length; i++) {
    const size = sizes[i % sizes.length]!;
    await deliver(events.slice(start, start + size));
    start += size;
  }
}

describe("delivery order and duplicates", () => {
  it("leave the cache, the read model and the lake as in-order delivery does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(Shape, { minLength: 1, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
        async (shapes, order, duplicates, batchSizes) => {
          const run = runs++;
          const dayDate = dayOf(run);
          const day = dayDate.toISOString().slice(0, 10);
          const stories = storiesFor(shapes, dayDate);
          const published = stories.flatMap((story) => story.events);

          await deliverInBatches(published, [1]);
          const inOrder = await finalState(stories, day);
          await forget(stories, day);

          const deliveries = [...published, ...duplicates.map((n) => published[n % published.length]!)];
          const shuffled = deliveries.map((event, i) => ({ event, at: order[i]! })).sort((a, b) => a.at - b.at).map(({ event }) => event);
          await deliverInBatches(shuffled, batchSizes);
          const scrambled = await finalState(stories, day);

          expect(scrambled).toEqual(inOrder);
          expect(inOrder.lake.map((event) => event.id)).toEqual(published.map((event) => event.id).sort());
          expect(inOrder.kv.map((view) => (view as { version: number }).version)).toEqual(
            stories.map((story) => Math.max(...story.events.map((event) => (event.type === "order.status_changed.v1" ? event.data.order.version : 0)))),
          );
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
