-- Migration number: 0001
-- The reporting read model, kept current by the projections worker from the events
-- (workers/projections/read-model.ts). Every update is an upsert that gives the same rows
-- whatever the order or number of deliveries. Each report query names the index it uses
-- with INDEXED BY (workers/projections/reports.ts), so a query that cannot use its index
-- fails instead of scanning.

-- One row per order. Placement facts come from order.placed or any order.status_changed
-- snapshot (the same values); each stage time from its own fact event; status and version
-- only from the snapshot with the highest version. Times are ISO 8601 UTC with milliseconds,
-- so text order is time order.
CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 0,  -- highest order.status_changed version applied; 0: none yet
  status TEXT,                         -- from that snapshot; 'placed' once order.placed is seen
  customer_id TEXT,                    -- Sales' pseudonymous customer reference, never an email
  currency TEXT,
  subtotal INTEGER,                    -- minor units
  total INTEGER,
  line_count INTEGER,
  units INTEGER,
  placed_at TEXT,
  placed_day TEXT,                     -- YYYY-MM-DD of placed_at: the day reports group by
  billed_at TEXT,                      -- order.billed
  billed_amount INTEGER,
  ready_at TEXT,                       -- shipping_label.created: ready to ship
  billing_failed_at TEXT,              -- order.billing_failed
  stock_unavailable_at TEXT,           -- stock.unavailable
  refunded_at TEXT,                    -- order.refunded
  refunded_amount INTEGER,
  cancelled_at TEXT                    -- order.cancelled
);
-- GET /admin/reports/orders without status or customer, and with a date range;
-- GET /admin/reports/stage-latency (range on placed_at).
CREATE INDEX orders_by_time ON orders (placed_at, order_id);
-- GET /admin/reports/orders?status=…
CREATE INDEX orders_by_status ON orders (status, placed_at, order_id);
-- GET /admin/reports/orders?customer=…
CREATE INDEX orders_by_customer ON orders (customer_id, placed_at, order_id);

-- The lines of each order, denormalized with the order's currency and day.
CREATE TABLE order_lines (
  order_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price INTEGER NOT NULL,
  line_total INTEGER NOT NULL,
  currency TEXT NOT NULL,
  placed_day TEXT NOT NULL,
  PRIMARY KEY (order_id, sku)
) WITHOUT ROWID;
-- GET /admin/reports/top-skus (range on placed_day).
CREATE INDEX order_lines_by_day ON order_lines (placed_day, sku);

-- Sales per day (placed day) and currency. Kept equal to the sum over `orders` of that day:
-- each D1 batch subtracts the touched orders as they were and adds them as they are now.
-- GET /admin/reports/sales-per-day reads it by its primary key (day range).
CREATE TABLE daily_sales (
  day TEXT NOT NULL,
  currency TEXT NOT NULL,
  orders INTEGER NOT NULL,             -- orders placed
  gross INTEGER NOT NULL,              -- sum of their totals
  billed_orders INTEGER NOT NULL,
  billed INTEGER NOT NULL,             -- amount charged
  refunded INTEGER NOT NULL,           -- amount refunded; revenue = billed - refunded
  PRIMARY KEY (day, currency)
) WITHOUT ROWID;

-- Which lake object holds each event, so an event that comes again in another batch is not
-- written to the lake twice. Looked up by primary key.
CREATE TABLE lake_events (
  event_id TEXT PRIMARY KEY,
  object_key TEXT NOT NULL
) WITHOUT ROWID;

-- Bookkeeping of the KV order-status cache (not part of the read model; a rebuild leaves it):
-- the newest status view per order and the version last written to KV, so KV is written
-- once per new version and never with an older one. Looked up by primary key.
CREATE TABLE order_status_cache (
  order_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,                  -- the OrderStatusView, JSON
  published_version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
