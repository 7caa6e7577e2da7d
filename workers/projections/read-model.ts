import type { AnyEvent } from "../../src/contracts/events";
import type { OrderLine } from "../../src/contracts/values";

/** What one event says about one order, in the columns of `orders` (null: says nothing). */
export type OrderFacts = {
  order_id: string;
  version: number;
  status: string | null;
  customer_id: string | null;
  currency: string | null;
  subtotal: number | null;
  total: number | null;
  line_count: number | null;
  units: number | null;
  placed_at: string | null;
  placed_day: string | null;
  billed_at: string | null;
  billed_amount: number | null;
  ready_at: string | null;
  billing_failed_at: string | null;
  stock_unavailable_at: string | null;
  refunded_at: string | null;
  refunded_amount: number | null;
  cancelled_at: string | null;
};

type LineRow = { order_id: string; sku: string; name: string; quantity: number; unit_price: number; line_total: number; currency: string; placed_day: string };

/** Times are stored as UTC ISO strings with milliseconds, so text order is time order. */
export const utc = (time: string) => new Date(time).toISOString();

const FACT_COLUMNS = [
  "customer_id",
  "currency",
  "subtotal",
  "total",
  "line_count",
  "units",
  "placed_at",
  "placed_day",
  "billed_at",
  "billed_amount",
  "ready_at",
  "billing_failed_at",
  "stock_unavailable_at",
  "refunded_at",
  "refunded_amount",
  "cancelled_at",
] as const;

function blank(orderId: string): OrderFacts {
  const facts = { order_id: orderId, version: 0, status: null } as Record<string, unknown>;
  for (const column of FACT_COLUMNS) facts[column] = null;
  return facts as OrderFacts;
}

type Placement = { customerId: string; currency: string; subtotal: number; total: number; lines: OrderLine[]; placedAt: string };

function placement(facts: OrderFacts, order: Placement): OrderFacts {
  const placedAt = utc(order.placedAt);
  return {
    ...facts,
    customer_id: order.customerId,
    currency: order.currency,
    subtotal: order.subtotal,
    total: order.total,
    line_count: order.lines.length,
    units: order.lines.reduce((sum, line) => sum + line.quantity, 0),
    placed_at: placedAt,
    placed_day: placedAt.slice(0, 10),
  };
}

/** What two sets of facts about one order say together, by the same rules as the upsert. */
function merge(known: OrderFacts, next: OrderFacts): OrderFacts {
  const merged = { ...known, version: Math.max(known.version, next.version) } as Record<string, unknown>;
  merged.status = next.version > known.version ? next.status : (known.status ?? next.status);
  for (const column of FACT_COLUMNS) merged[column] = known[column] ?? next[column];
  return merged as OrderFacts;
}

/** One row of facts per order, so a batch writes each order once. */
function factsByOrder(events: AnyEvent[]): OrderFacts[] {
  const orders = new Map<string, OrderFacts>();
  for (const facts of events.map(factsOf)) {
    const known = orders.get(facts.order_id);
    orders.set(facts.order_id, known ? merge(known, facts) : facts);
  }
  return [...orders.values()];
}

/** The facts an event carries for the read model: every event is about one order. */
function factsOf(event: AnyEvent): OrderFacts {
  const facts = blank(event.subject);
  switch (event.type) {
    case "order.placed.v1":
      return { ...placement(facts, event.data), status: "placed" };
    case "order.status_changed.v1": {
      const { order } = event.data;
      return { ...placement(facts, order), version: order.version, status: order.status };
    }
    case "order.billed.v1":
      return { ...facts, billed_at: utc(event.data.billedAt), billed_amount: event.data.amount };
    case "shipping_label.created.v1":
      return { ...facts, ready_at: utc(event.data.createdAt) };
    case "order.billing_failed.v1":
      return { ...facts, billing_failed_at: utc(event.data.failedAt) };
    case "stock.unavailable.v1":
      return { ...facts, stock_unavailable_at: utc(event.data.detectedAt) };
    case "order.refunded.v1":
      return { ...facts, refunded_at: utc(event.data.refundedAt), refunded_amount: event.data.amount };
    case "order.cancelled.v1":
      return { ...facts, cancelled_at: utc(event.data.cancelledAt) };
  }
}

/** Each order's lines once, though order.placed and every snapshot carry them. */
function linesByOrder(events: AnyEvent[]): LineRow[] {
  const lines = new Map<string, LineRow[]>();
  for (const event of events) {
    const carried = lines.has(event.subject) ? [] : linesOf(event);
    if (carried.length > 0) lines.set(event.subject, carried);
  }
  return [...lines.values()].flat();
}

function linesOf(event: AnyEvent): LineRow[] {
  const order =
    event.type === "order.placed.v1" ? event.data : event.type === "order.status_changed.v1" ? event.data.order : undefined;
  if (!order) return [];
  const placedDay = utc(order.placedAt).slice(0, 10);
  return order.lines.map((line) => ({
    order_id: event.subject,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unit_price: line.unitPrice,
    line_total: line.lineTotal,
    currency: order.currency,
    placed_day: placedDay,
  }));
}

const column = (name: string) => `json_extract(value, '$.${name}')`;

// A newer snapshot decides the status; without one, order.placed's 'placed' fills a gap.
// Every other fact is set once and never changes, so the first value seen is kept. A row
// that would not change is not written (D1 bills rows written, each index entry included).
const UPSERT_ORDERS = `
INSERT INTO orders (order_id, version, status, ${FACT_COLUMNS.join(", ")})
SELECT ${column("order_id")}, ${column("version")}, ${column("status")}, ${FACT_COLUMNS.map(column).join(", ")}
FROM json_each(?1) WHERE true
ON CONFLICT (order_id) DO UPDATE SET
  status = CASE WHEN excluded.version > orders.version THEN excluded.status ELSE coalesce(orders.status, excluded.status) END,
  version = max(orders.version, excluded.version),
  ${FACT_COLUMNS.map((c) => `${c} = coalesce(orders.${c}, excluded.${c})`).join(",\n  ")}
WHERE excluded.version > orders.version
  OR ${["status", ...FACT_COLUMNS].map((c) => `(orders.${c} IS NULL AND excluded.${c} IS NOT NULL)`).join("\n  OR ")}`;

const INSERT_LINES = `
INSERT INTO order_lines (order_id, sku, name, quantity, unit_price, line_total, currency, placed_day)
SELECT ${["order_id", "sku", "name", "quantity", "unit_price", "line_total", "currency", "placed_day"].map(column).join(", ")}
FROM json_each(?1) WHERE true
ON CONFLICT (order_id, sku) DO NOTHING`;

// ?2 = -1 takes the touched orders out of their day as they were, +1 puts them back as they
// are now: the day's figures stay the sum of its orders, whatever arrived in which order.
const SHIFT_DAILY_SALES = `
INSERT INTO daily_sales (day, currency, orders, gross, billed_orders, billed, refunded)
SELECT placed_day, currency, ?2 * count(*), ?2 * coalesce(sum(total), 0), ?2 * count(billed_at),
       ?2 * coalesce(sum(billed_amount), 0), ?2 * coalesce(sum(refunded_amount), 0)
FROM orders
WHERE order_id IN (SELECT value FROM json_each(?1)) AND placed_day IS NOT NULL AND currency IS NOT NULL
GROUP BY placed_day, currency
ON CONFLICT (day, currency) DO UPDATE SET
  orders = daily_sales.orders + excluded.orders,
  gross = daily_sales.gross + excluded.gross,
  billed_orders = daily_sales.billed_orders + excluded.billed_orders,
  billed = daily_sales.billed + excluded.billed,
  refunded = daily_sales.refunded + excluded.refunded`;

const RECORD_LAKE_EVENTS = `
INSERT INTO lake_events (event_id, object_key)
SELECT ${column("id")}, ${column("key")} FROM json_each(?1) WHERE true
ON CONFLICT (event_id) DO NOTHING`;

/**
 * The D1 statements that apply a batch of events to the read model, a constant number
 * whatever the batch size (each takes the batch as one JSON parameter), so one queue batch
 * is one D1 batch, one transaction, well under the per-invocation query limit.
 */
export function readModelStatements(db: D1Database, events: AnyEvent[]): D1PreparedStatement[] {
  const orderIds = JSON.stringify([...new Set(events.map((event) => event.subject))]);
  const shift = db.prepare(SHIFT_DAILY_SALES);
  return [
    shift.bind(orderIds, -1),
    db.prepare(UPSERT_ORDERS).bind(JSON.stringify(factsByOrder(events))),
    db.prepare(INSERT_LINES).bind(JSON.stringify(linesByOrder(events))),
    shift.bind(orderIds, 1),
  ];
}

/** Records which lake object holds each event. */
export function lakeLedgerStatement(db: D1Database, keys: Map<string, string>): D1PreparedStatement {
  return db.prepare(RECORD_LAKE_EVENTS).bind(JSON.stringify([...keys].map(([id, key]) => ({ id, key }))));
}

/** Which of these events are already in the lake. */
export async function eventsInLake(db: D1Database, eventIds: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT event_id FROM lake_events WHERE event_id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(eventIds))
    .all<{ event_id: string }>();
  return new Set(results.map((row) => row.event_id));
}

/** The tables a rebuild starts from empty (the cache bookkeeping is not the read model). */
export const READ_MODEL_TABLES = ["orders", "order_lines", "daily_sales", "lake_events"] as const;
