import type { AnyEvent } from "../../src/contracts/events";
import type { OrderSnapshot } from "../../src/contracts/order";
import type { OrderStatusView } from "../../src/contracts/order-status";

/**
 * What a batch says about one order, in the columns of `orders` (null: says nothing). The
 * read model is made from status snapshots alone; the only fact it also reads is
 * `order.refunded`, because a refund after the customer cancelled comes in no snapshot.
 */
export type OrderChange = {
  order_id: string;
  version: number;
  status: string | null;
  customer_id: string | null;
  currency: string | null;
  subtotal: number | null;
  total: number | null;
  line_count: number | null;
  units: number | null;
  lines: string | null;
  placed_at: string | null;
  billed_at: string | null;
  billed_amount: number | null;
  ready_at: string | null;
  billing_failed_at: string | null;
  stock_unavailable_at: string | null;
  cancelled_at: string | null;
  refunded_at: string | null;
  refunded_amount: number | null;
  updated_at: string | null;
  timeline: string | null;
  /** Ids of the batch's events about this order (JSON, sorted): all of them reach the lake first. */
  lake_event_ids: string;
};

/** Times are stored as UTC ISO strings with milliseconds, so text order is time order. */
export const utc = (time: string) => new Date(time).toISOString();

/** Columns whose value is the newest snapshot's. */
const SNAPSHOT_COLUMNS = [
  "status",
  "customer_id",
  "currency",
  "subtotal",
  "total",
  "line_count",
  "units",
  "lines",
  "placed_at",
  "billed_at",
  "billed_amount",
  "ready_at",
  "billing_failed_at",
  "stock_unavailable_at",
  "cancelled_at",
  "updated_at",
  "timeline",
] as const;

/** Columns set once, by whichever event brings them first (the values are the same). */
const REFUND_COLUMNS = ["refunded_at", "refunded_amount"] as const;

const COLUMNS = ["order_id", "version", ...SNAPSHOT_COLUMNS, ...REFUND_COLUMNS, "lake_event_ids"] as const;

/** When the order's timeline says it reached a status, if it did. */
const reached = (order: OrderSnapshot, status: OrderSnapshot["status"]) => {
  const step = order.timeline.find((entry) => entry.status === status);
  return step ? utc(step.at) : null;
};

/** The row a snapshot makes: every stage time from its timeline. */
export function rowOf(order: OrderSnapshot): Omit<OrderChange, "lake_event_ids"> {
  return {
    order_id: order.id,
    version: order.version,
    status: order.status,
    customer_id: order.customerId,
    currency: order.currency,
    subtotal: order.subtotal,
    total: order.total,
    line_count: order.lines.length,
    units: order.lines.reduce((sum, line) => sum + line.quantity, 0),
    lines: JSON.stringify(order.lines.map(({ sku, name, quantity, lineTotal }) => ({ sku, name, quantity, lineTotal }))),
    placed_at: utc(order.placedAt),
    billed_at: reached(order, "billed"),
    billed_amount: order.payment?.amount ?? null,
    ready_at: reached(order, "ready_to_ship"),
    billing_failed_at: reached(order, "billing_failed"),
    stock_unavailable_at: order.closure?.reason === "stock_unavailable" ? utc(order.closure.at) : null,
    cancelled_at: reached(order, "cancelled"),
    refunded_at: order.refund ? utc(order.refund.refundedAt) : null,
    refunded_amount: order.refund?.amount ?? null,
    updated_at: order.updatedAt,
    timeline: JSON.stringify(order.timeline.map(({ status, at }) => ({ status, at }))),
  };
}

function unknownOrder(orderId: string): Omit<OrderChange, "lake_event_ids"> {
  const row = { order_id: orderId, version: 0 } as Record<string, unknown>;
  for (const column of [...SNAPSHOT_COLUMNS, ...REFUND_COLUMNS]) row[column] = null;
  return row as Omit<OrderChange, "lake_event_ids">;
}

/**
 * One change per order for a batch (so a batch writes each order's row at most once): the
 * newest snapshot in it, a refund from wherever it came, and the ids of all its events.
 */
export function changesOf(events: AnyEvent[]): OrderChange[] {
  const orders = new Map<string, { row: Omit<OrderChange, "lake_event_ids">; ids: string[] }>();
  for (const event of events) {
    const known = orders.get(event.subject) ?? { row: unknownOrder(event.subject), ids: [] };
    known.ids.push(event.id);
    if (event.type === "order.status_changed.v1" && event.data.order.version > known.row.version) {
      const { refunded_at, refunded_amount } = known.row;
      known.row = rowOf(event.data.order);
      known.row.refunded_at ??= refunded_at;
      known.row.refunded_amount ??= refunded_amount;
    }
    if (event.type === "order.refunded.v1" && known.row.refunded_at === null) {
      known.row.refunded_at = utc(event.data.refundedAt);
      known.row.refunded_amount = event.data.amount;
    }
    orders.set(event.subject, known);
  }
  return [...orders.values()].map(({ row, ids }) => ({ ...row, lake_event_ids: JSON.stringify([...new Set(ids)].sort()) }));
}

const column = (name: string) => `json_extract(value, '$.${name}')`;
const newer = "excluded.version > orders.version";
const sortedUnion = (a: string, b: string) =>
  `(SELECT json_group_array(value) FROM (SELECT value FROM json_each(${a}) UNION SELECT value FROM json_each(${b}) ORDER BY value))`;

// The newest snapshot decides every snapshot column; a refund and the lake ids only ever
// add. A row that would not change is not written (D1 bills rows written): an older or
// repeated snapshot whose events are already in the lake costs nothing. The table has no
// index (reports read ranges of order_id, which sorts by placed_at), so a new order writes
// one row and a change rewrites only it. placed_at is a snapshot column like the others: a
// row made from a fact first (version 0, no placed_at) gets it with its first snapshot.
const UPSERT_ORDERS = `
INSERT INTO orders (${COLUMNS.join(", ")})
SELECT ${COLUMNS.map(column).join(", ")}
FROM json_each(?1) WHERE true
ON CONFLICT (order_id) DO UPDATE SET
  version = max(orders.version, excluded.version),
  ${SNAPSHOT_COLUMNS.map((c) => `${c} = CASE WHEN ${newer} THEN excluded.${c} ELSE orders.${c} END`).join(",\n  ")},
  ${REFUND_COLUMNS.map((c) => `${c} = coalesce(orders.${c}, excluded.${c})`).join(",\n  ")},
  lake_event_ids = ${sortedUnion("orders.lake_event_ids", "excluded.lake_event_ids")}
WHERE ${newer}
  OR (orders.refunded_at IS NULL AND excluded.refunded_at IS NOT NULL)
  OR EXISTS (SELECT 1 FROM json_each(excluded.lake_event_ids) AS fresh
             WHERE fresh.value NOT IN (SELECT value FROM json_each(orders.lake_event_ids)))`;

/**
 * The D1 statement that applies a batch to the read model, one whatever the batch size (it
 * takes the batch as one JSON parameter), sent as one D1 batch: one transaction.
 */
export function readModelStatements(db: D1Database, events: AnyEvent[]): D1PreparedStatement[] {
  return [db.prepare(UPSERT_ORDERS).bind(JSON.stringify(changesOf(events)))];
}

/** Which of these events are already in the lake, from the rows of their orders. */
export async function eventsInLake(db: D1Database, events: AnyEvent[]): Promise<Set<string>> {
  const orderIds = [...new Set(events.map((event) => event.subject))];
  const { results } = await db
    .prepare(
      `SELECT ids.value AS event_id FROM orders, json_each(orders.lake_event_ids) AS ids
       WHERE order_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(orderIds))
    .all<{ event_id: string }>();
  return new Set(results.map((row) => row.event_id));
}

/** An order's public status as the read model has it; undefined before its first snapshot. */
export async function orderStatusOf(db: D1Database, orderId: string): Promise<OrderStatusView | undefined> {
  const row = await db
    .prepare("SELECT order_id, version, status, updated_at, timeline FROM orders WHERE order_id = ?1 AND version > 0")
    .bind(orderId)
    .first<{ order_id: string; version: number; status: OrderStatusView["status"]; updated_at: string; timeline: string }>();
  if (!row) return undefined;
  return { id: row.order_id, status: row.status, version: row.version, updatedAt: row.updated_at, timeline: JSON.parse(row.timeline) };
}

/** The tables a rebuild starts from empty. */
export const READ_MODEL_TABLES = ["orders"] as const;
