import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnyEvent } from "../../src/contracts/events";
import { deliver, e, orderStory } from "./test-helpers";

/** D1 queries, rows read and rows written (index entries included) of everything the projection sends to D1. */
function countD1(db: D1Database) {
  const counter = { queries: 0, rowsRead: 0, rowsWritten: 0 };
  const add = (result: D1Result) => {
    counter.queries++;
    counter.rowsRead += result.meta.rows_read ?? 0;
    counter.rowsWritten += result.meta.rows_written ?? 0;
  };
  const originalBatch = db.batch.bind(db);
  const originalPrepare = db.prepare.bind(db);
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (key === "run" || key === "all")
          return async () => {
            const result = await target[key]();
            add(result as D1Result);
            return result;
          };
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const batch = vi.spyOn(db, "batch").mockImplementation(async (statements) => {
    const results = await originalBatch(statements);
    for (const result of results) add(result);
    return results;
  });
  const prepare = vi.spyOn(db, "prepare").mockImplementation((sql) => wrap(originalPrepare(sql)));
  return { counter, restore: () => (batch.mockRestore(), prepare.mockRestore()) };
}

/**
 * A busy shop: an order placed every 200 ms, billed 2 s later, labelled 3 s after that, each
 * event on the queue at its own time and the queue cut into batches of 100, so an order's
 * events spread over two or three batches as they do under load.
 */
function busyShop(orders: number, start: Date, onlySnapshots: boolean): AnyEvent[][] {
  const events = Array.from({ length: orders }, (_, i) =>
    orderStory({ placedAt: new Date(start.getTime() + i * 200), billedAfterMs: 2000, readyAfterMs: 3000 }).events,
  )
    .flat()
    .filter((event) => !onlySnapshots || event.type === "order.status_changed.v1")
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const batches: AnyEvent[][] = [];
  for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
  return batches;
}

async function costPerOrder(batches: AnyEvent[][], orders: number) {
  const d1 = countD1(e.REPORTING);
  const lakePuts = vi.spyOn(e.LAKE, "put");
  for (const batch of batches) await deliver(batch);
  const cost = {
    d1RowsWritten: d1.counter.rowsWritten / orders,
    d1RowsRead: d1.counter.rowsRead / orders,
    d1Queries: d1.counter.queries / orders,
    r2ClassA: lakePuts.mock.calls.length / orders,
    batches: batches.length,
  };
  d1.restore();
  lakePuts.mockRestore();
  return cost;
}

afterEach(() => vi.restoreAllMocks());

/** A quiet shop: every event is a batch of its own. */
const quietShop = (orders: number, start: Date): AnyEvent[][] => busyShop(orders, start, true).flat().map((event) => [event]);

// The projection has no KV binding any more (GET /orders/:id/status reads D1 through it), so
// KV writes are 0 by construction; these count what it does write. Before the lean read model
// (one row per order, one index, no lake ledger, no status bookkeeping) the busy shop wrote
// 22.2 rows per order with every event type and 14.6 with snapshots only.
describe("what the projection costs per order", () => {
  const ORDERS = 60;

  it("in a busy shop, with only the status snapshots on the queue: at most 3 D1 rows (one per snapshot batch, no index entry)", async () => {
    const cost = await costPerOrder(busyShop(ORDERS, new Date("2026-05-02T09:00:00.000Z"), true), ORDERS);
    console.log("projection cost per order, busy, snapshots only:", cost);
    expect(cost.d1RowsWritten).toBeLessThanOrEqual(3);
  });

  it("in a quiet shop, each snapshot in a batch of its own: at most 3 D1 rows (one per snapshot batch, no index entry)", async () => {
    const cost = await costPerOrder(quietShop(20, new Date("2026-05-03T09:00:00.000Z")), 20);
    console.log("projection cost per order, quiet, snapshots only:", cost);
    expect(cost.d1RowsWritten).toBeLessThanOrEqual(3);
  });

  // Today the facts (placed, billed, label) still come too: each lands in the lake, and is
  // noted in its order's row, which costs a write when its snapshot is in another batch.
  it("in a busy shop, with every event type on the queue: at most 3 D1 rows (one per snapshot batch, no index entry)", async () => {
    const cost = await costPerOrder(busyShop(ORDERS, new Date("2026-05-01T09:00:00.000Z"), false), ORDERS);
    console.log("projection cost per order, busy, all event types:", cost);
    expect(cost.d1RowsWritten).toBeLessThanOrEqual(3);
  });
});
