import { z } from "zod";
import { OrderStatus } from "../../src/contracts/values";
import { STAGES, stagePercentiles } from "./reports";

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
 * `minutes`: two scans of one placed_at range of orders_by_time, no table of its own.
 */
export async function flowSummary(db: D1Database, minutes: number, now = Date.now()): Promise<FlowSummary> {
  const first = Math.floor(now / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
  const since = new Date(first).toISOString();
  const until = new Date(now + 1).toISOString();
  const [counts, buckets, stages] = await Promise.all([
    db
      .prepare("SELECT status, count(*) AS orders FROM orders INDEXED BY orders_by_time WHERE placed_at >= ?1 AND placed_at < ?2 AND status IS NOT NULL GROUP BY status")
      .bind(since, until)
      .all<{ status: OrderStatus; orders: number }>(),
    db
      .prepare(
        `SELECT substr(placed_at, 1, 16) AS minute, count(*) AS placed, 0 AS ready FROM orders INDEXED BY orders_by_time
           WHERE placed_at >= ?1 AND placed_at < ?2 GROUP BY minute
         UNION ALL
         SELECT substr(ready_at, 1, 16), 0, count(*) FROM orders INDEXED BY orders_by_time
           WHERE placed_at >= ?1 AND placed_at < ?2 AND ready_at IS NOT NULL GROUP BY 1`,
      )
      .bind(since, until)
      .all<{ minute: string; placed: number; ready: number }>(),
    stagePercentiles(db, since, until, "'window'"),
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
