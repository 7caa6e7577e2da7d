-- Migration number: 0003
-- Rows written are what D1 bills, and orders_by_time cost one more per order (its entry, beside
-- the row). Order ids are now time-ordered (`ord_` + the ULID time of the order's acceptance +
-- 16 random characters, Idempotency-Key orders included) and placed_at is exactly the id's
-- time, so a range of placed_at is a range of the primary key: the reports read those ranges
-- (workers/projections/reports.ts) and the index is no longer needed. A new order now writes
-- one row.
DROP INDEX IF EXISTS orders_by_time;
