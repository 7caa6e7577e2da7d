import { z } from "zod";
import { Currency, MinorUnits, OrderId, OrderStatus, Sku } from "../../src/contracts/values";
import { firstIdAt } from "../../src/platform/ids";
import type { OrderChange } from "./read-model";

/** A UTC calendar day, the unit every report is grouped and filtered by. */
export const Day = z.iso.date();

export const ReportedOrder = z
  .object({
    orderId: OrderId,
    status: OrderStatus.nullable(),
    version: z.number().int(),
    customerId: z.string().nullable(),
    currency: Currency.nullable(),
    subtotal: MinorUnits.nullable(),
    total: MinorUnits.nullable(),
    lineCount: z.number().int().nullable(),
    units: z.number().int().nullable(),
    placedAt: z.string().nullable(),
    billedAt: z.string().nullable(),
    billedAmount: MinorUnits.nullable(),
    readyAt: z.string().nullable(),
    billingFailedAt: z.string().nullable(),
    stockUnavailableAt: z.string().nullable(),
    refundedAt: z.string().nullable(),
    refundedAmount: MinorUnits.nullable(),
    cancelledAt: z.string().nullable(),
  })
  .meta({ id: "ReportedOrder" });
export type ReportedOrder = z.infer<typeof ReportedOrder>;

export const DailySales = z
  .object({
    day: Day,
    currency: Currency,
    orders: z.number().int(),
    gross: z.number().int(),
    billedOrders: z.number().int(),
    billed: z.number().int(),
    refunded: z.number().int(),
    revenue: z.number().int(),
  })
  .meta({ id: "DailySales" });

export const STAGES = ["placed_to_billed", "billed_to_ready_to_ship", "placed_to_ready_to_ship"] as const;
export const StageLatency = z
  .object({ day: Day, stage: z.enum(STAGES), orders: z.number().int(), p50Ms: z.number().int(), p95Ms: z.number().int() })
  .meta({ id: "StageLatency" });

export const TopSku = z
  .object({ sku: Sku, name: z.string(), currency: Currency, units: z.number().int(), revenue: z.number().int(), orders: z.number().int() })
  .meta({ id: "TopSku" });

export type DayRange = { from: string; to: string };

const DAY_MS = 86_400_000;

/** Half-open time range of whole UTC days, in epoch milliseconds: [from 00:00, day after `to` 00:00). */
function timeRange({ from, to }: DayRange): [number, number] {
  return [Date.parse(`${from}T00:00:00.000Z`), Date.parse(`${to}T00:00:00.000Z`) + DAY_MS];
}

/**
 * The order ids of the orders placed in [start, end) (epoch milliseconds). An order id begins
 * with the ULID time of its placing and placed_at is that time (workers/sales/order-lifecycle.ts),
 * so these orders are exactly the ids in [first id at start, first id at end): a range of the
 * primary key, read in id order, which is placing order.
 */
export const placedBetween = (start: number, end: number): [string, string] => [firstIdAt("ord", start), firstIdAt("ord", end)];

type OrderRow = OrderChange;

const toOrder = (row: OrderRow): ReportedOrder => ({
  orderId: row.order_id,
  status: row.status as ReportedOrder["status"],
  version: row.version,
  customerId: row.customer_id,
  currency: row.currency,
  subtotal: row.subtotal,
  total: row.total,
  lineCount: row.line_count,
  units: row.units,
  placedAt: row.placed_at,
  billedAt: row.billed_at,
  billedAmount: row.billed_amount,
  readyAt: row.ready_at,
  billingFailedAt: row.billing_failed_at,
  stockUnavailableAt: row.stock_unavailable_at,
  refundedAt: row.refunded_at,
  refundedAmount: row.refunded_amount,
  cancelledAt: row.cancelled_at,
});

export type OrderFilter = { status?: string; customer?: string; range?: DayRange; limit: number; after?: string };

/**
 * Newest first, `limit` per page; `after` is the id of the last order of the previous page (a
 * keyset cursor, stable while orders keep arriving). No index: ids sort by placing time, so the
 * primary key is read backwards over the time range, and a status or customer filter skips the
 * orders it does not want. Rows read cost a thousandth of rows written, and an index per filter
 * would be written on every order (status: on every change). Rows known only from a fact (no
 * snapshot yet: no placed_at) are left out.
 */
export async function listOrders(db: D1Database, filter: OrderFilter): Promise<{ orders: ReportedOrder[]; next?: string }> {
  const where = ["placed_at IS NOT NULL"];
  const params: unknown[] = [];
  if (filter.customer !== undefined) {
    where.push("customer_id = ?");
    params.push(filter.customer);
  }
  if (filter.status !== undefined) {
    where.push("status = ?");
    params.push(filter.status);
  }
  if (filter.range) {
    where.push("order_id >= ? AND order_id < ?");
    params.push(...placedBetween(...timeRange(filter.range)));
  }
  if (filter.after) {
    where.push("order_id < ?");
    params.push(filter.after);
  }
  const { results } = await db
    .prepare(`SELECT * FROM orders WHERE ${where.join(" AND ")} ORDER BY order_id DESC LIMIT ?`)
    .bind(...params, filter.limit + 1)
    .all<OrderRow>();
  const page = results.slice(0, filter.limit).map(toOrder);
  const last = page.at(-1);
  return results.length > filter.limit && last ? { orders: page, next: last.orderId } : { orders: page };
}

/**
 * Orders, gross, billed and refunded per placed day and currency, summed over one range of the
 * primary key (no running totals to keep: they would be rewritten with every order).
 */
export async function salesPerDay(db: D1Database, range: DayRange): Promise<z.infer<typeof DailySales>[]> {
  const [first, end] = placedBetween(...timeRange(range));
  const { results } = await db
    .prepare(
      `SELECT substr(placed_at, 1, 10) AS day, currency, count(*) AS orders, sum(total) AS gross, count(billed_at) AS billed_orders,
              coalesce(sum(billed_amount), 0) AS billed, coalesce(sum(refunded_amount), 0) AS refunded
       FROM orders
       WHERE order_id >= ?1 AND order_id < ?2 AND currency IS NOT NULL
       GROUP BY day, currency ORDER BY day, currency`,
    )
    .bind(first, end)
    .all<{ day: string; currency: string; orders: number; gross: number; billed_orders: number; billed: number; refunded: number }>();
  return results.map((row) => ({
    day: row.day,
    currency: row.currency,
    orders: row.orders,
    gross: row.gross,
    billedOrders: row.billed_orders,
    billed: row.billed,
    refunded: row.refunded,
    revenue: row.billed - row.refunded,
  }));
}

/**
 * p50 and p95 (nearest rank) of each stage's duration for orders placed on each day, from
 * one range of the primary key. Orders that have not reached a stage are left out of it.
 */
export async function stageLatency(db: D1Database, range: DayRange): Promise<z.infer<typeof StageLatency>[]> {
  const [start, end] = timeRange(range);
  const rows = await stagePercentiles(db, start, end, "substr(placed_at, 1, 10)");
  return rows.map((row) => ({ day: row.bucket, stage: row.stage, orders: row.orders, p50Ms: row.p50Ms, p95Ms: row.p95Ms }));
}

/**
 * Stage durations (p50, p95, nearest rank) of the orders placed in [start, end) (epoch
 * milliseconds), grouped by `bucket`, an SQL expression over placed_at (a constant gives one
 * group for the whole range).
 */
export async function stagePercentiles(
  db: D1Database,
  start: number,
  end: number,
  bucket: string,
): Promise<{ bucket: string; stage: (typeof STAGES)[number]; orders: number; p50Ms: number; p95Ms: number }[]> {
  const { results } = await db
    .prepare(
      `WITH base AS MATERIALIZED (
         SELECT ${bucket} AS day, julianday(placed_at) AS p, julianday(billed_at) AS b, julianday(ready_at) AS r
         FROM orders
         WHERE order_id >= ?1 AND order_id < ?2 AND billed_at IS NOT NULL
       ), stages AS (
         SELECT day, 'placed_to_billed' AS stage, b - p AS d FROM base
         UNION ALL SELECT day, 'billed_to_ready_to_ship', r - b FROM base WHERE r IS NOT NULL
         UNION ALL SELECT day, 'placed_to_ready_to_ship', r - p FROM base WHERE r IS NOT NULL
       ), ranked AS (
         SELECT day, stage, round(d * 86400000) AS ms,
                row_number() OVER (PARTITION BY day, stage ORDER BY d) AS rank,
                count(*) OVER (PARTITION BY day, stage) AS n
         FROM stages
       )
       SELECT day, stage, n AS orders,
              max(CASE WHEN rank = (n * 50 + 99) / 100 THEN ms END) AS p50,
              max(CASE WHEN rank = (n * 95 + 99) / 100 THEN ms END) AS p95
       FROM ranked GROUP BY day, stage ORDER BY day, stage`,
    )
    .bind(...placedBetween(start, end))
    .all<{ day: string; stage: (typeof STAGES)[number]; orders: number; p50: number; p95: number }>();
  return results.map((row) => ({ bucket: row.day, stage: row.stage, orders: row.orders, p50Ms: row.p50, p95Ms: row.p95 }));
}

/** Best-selling SKUs by units over placed days, leaving out orders that failed or were cancelled. */
export async function topSkus(db: D1Database, range: DayRange, limit: number): Promise<z.infer<typeof TopSku>[]> {
  const [first, end] = placedBetween(...timeRange(range));
  const { results } = await db
    .prepare(
      `SELECT json_extract(l.value, '$.sku') AS sku, max(json_extract(l.value, '$.name')) AS name, o.currency,
              sum(json_extract(l.value, '$.quantity')) AS units, sum(json_extract(l.value, '$.lineTotal')) AS revenue, count(*) AS orders
       FROM orders AS o, json_each(o.lines) AS l
       WHERE o.order_id >= ?1 AND o.order_id < ?2 AND o.status NOT IN ('billing_failed', 'cancelled')
       GROUP BY sku, o.currency ORDER BY units DESC, revenue DESC, sku LIMIT ?3`,
    )
    .bind(first, end, limit)
    .all<z.infer<typeof TopSku>>();
  return results;
}
