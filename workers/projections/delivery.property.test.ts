import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventCatalog, type AnyEvent } from "../../src/contracts/events";
import { admin, deliver, e, lakeObjects, orderStory, type Story } from "./test-helpers";

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

/** Everything the read model, the status Sales serves and the lake hold about these orders. */
async function finalState(stories: Story[], day: string) {
  const ids = JSON.stringify(stories.map((story) => story.orderId));
  const lake = await lakeObjectsOn(day);
  const lakeEvents = lake.flatMap(({ text }) => text.trim().split("\n").map((line) => JSON.parse(line) as AnyEvent));
  return {
    orders: (await e.REPORTING.prepare("SELECT * FROM orders WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id").bind(ids).all()).results,
    sales: (await admin(`/admin/reports/sales-per-day?from=${day}&to=${day}`)).json,
    statuses: await Promise.all(stories.map(async (story) => (await admin(`/orders/${story.orderId}/status`)).json)),
    // Which object holds an event depends on how deliveries were batched; that it is held once does not.
    lake: lakeEvents.sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** Forgets these orders in every store, so the same events can be delivered again from nothing. */
async function forget(stories: Story[], day: string) {
  const ids = JSON.stringify(stories.map((story) => story.orderId));
  await e.REPORTING.prepare("DELETE FROM orders WHERE order_id IN (SELECT value FROM json_each(?1))").bind(ids).run();
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
  it("leave the read model, the status and the lake as in-order delivery does", async () => {
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
          expect(inOrder.statuses.map((view) => (view as { version: number }).version)).toEqual(
            stories.map((story) => Math.max(...story.events.map((event) => (event.type === "order.status_changed.v1" ? event.data.order.version : 0)))),
          );
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
