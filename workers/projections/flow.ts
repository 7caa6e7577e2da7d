import { z } from "zod";
import { OrderStatus } from "../../src/contracts/values";
import { placedBetween, STAGES, stagePercentiles } from "./reports";

/** The live picture of the pipeline over the last minutes, from the read model. */
export const FlowSummary = z
  .object({
    since: z.string(),
    until: z.string(),
    minutes: z.number().int(),
    /** Orders placed in the window, by the status they are in now. */
    statuses: z.array(z.object({ status: OrderStatus, orders: z.number().int() })),
    /** Per minute of the window, oldest first: orders placed, and orders of the window that reached ready_to_ship. */
    perMinute: z.array(z.object({ minute: z.string(), placed: z.number().int(), readyToShip: z.number().int() })),
    stages: z.array(z.object({ stage: z.enum(STAGES), orders: z.number().int(), p50Ms: z.number().int(), p95Ms: z.number().int() })),
  })
  .meta({ id: "FlowSummary" });
export type FlowSummary = z.infer<typeof FlowSummary>;

const MINUTE_MS = 60_000;

/**
 * Counts per status, orders per minute and stage times of the orders placed in the last
 * `minutes`: scans of one range of the primary key (order ids sort by placing time), no table
 * of its own.
 */
export async function flowSummary(db: D1Database, minutes: number, now = Date.now()): Promise<FlowSummary> {
  const first = Math.floor(now / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
  const since = new Date(first).toISOString();
  const until = new Date(now + 1).toISOString();
  const ids = placedBetween(first, now + 1);
  const [counts, buckets, stages] = await Promise.all([
    db
      .prepare("SELECT status, count(*) AS orders FROM orders WHERE order_id >= ?1 AND order_id < ?2 AND status IS NOT NULL GROUP BY status")
      .bind(...ids)
      .all<{ status: OrderStatus; orders: number }>(),
    db
      .prepare(
        // placed_at IS NOT NULL: a row known only from a fact has an id in the range but no snapshot yet.
        `SELECT substr(placed_at, 1, 16) AS minute, count(*) AS placed, 0 AS ready FROM orders
           WHERE order_id >= ?1 AND order_id < ?2 AND placed_at IS NOT NULL GROUP BY minute
         UNION ALL
         SELECT substr(ready_at, 1, 16), 0, count(*) FROM orders
           WHERE order_id >= ?1 AND order_id < ?2 AND ready_at IS NOT NULL GROUP BY 1`,
      )
      .bind(...ids)
      .all<{ minute: string; placed: number; ready: number }>(),
    stagePercentiles(db, first, now + 1, "'window'"),
  ]);
  const perMinute = Array.from({ length: minutes }, (_, i) => ({ minute: new Date(first + i * MINUTE_MS).toISOString().slice(0, 16), placed: 0, readyToShip: 0 }));
  const slot = new Map(perMinute.map((entry) => [entry.minute, entry]));
  for (const row of buckets.results) {
    const entry = slot.get(row.minute);
    if (!entry) continue;
    entry.placed += row.placed;
    entry.readyToShip += row.ready;
  }
  return {
    since,
    until,
    minutes,
    statuses: OrderStatus.options.map((status) => ({ status, orders: counts.results.find((row) => row.status === status)?.orders ?? 0 })),
    perMinute,
    stages: stages.map(({ stage, orders, p50Ms, p95Ms }) => ({ stage, orders, p50Ms, p95Ms })),
  };
}
