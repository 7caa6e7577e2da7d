import type { AnyEvent } from "../../src/contracts/events";
import { orderStatusKey, orderStatusView, type OrderStatusView } from "../../src/contracts/order-status";

// The newest view per order wins; an older or repeated snapshot changes nothing.
const RECORD_VIEWS = `
INSERT INTO order_status_cache (order_id, version, body)
SELECT json_extract(value, '$.id'), json_extract(value, '$.version'), value FROM json_each(?1) WHERE true
ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, body = excluded.body
WHERE excluded.version > order_status_cache.version`;

// Views newer than what KV has: the only ones worth a KV write.
const UNPUBLISHED = `
SELECT order_id, version, body FROM order_status_cache
WHERE order_id IN (SELECT value FROM json_each(?1)) AND published_version < version`;

const MARK_PUBLISHED = `
UPDATE order_status_cache SET published_version = json_extract(value, '$.version')
FROM json_each(?1)
WHERE order_status_cache.order_id = json_extract(value, '$.id') AND published_version < json_extract(value, '$.version')`;

export type Unpublished = { order_id: string; version: number; body: string };

/**
 * Two statements for the projection's D1 batch: record the batch's status views (newest
 * version wins) and, after that, read back those that KV does not have yet.
 */
export function statusCacheStatements(db: D1Database, events: AnyEvent[]): D1PreparedStatement[] {
  const views = new Map<string, OrderStatusView>();
  for (const event of events) {
    if (event.type !== "order.status_changed.v1") continue;
    const view = orderStatusView(event.data.order);
    if ((views.get(view.id)?.version ?? 0) < view.version) views.set(view.id, view);
  }
  if (views.size === 0) return [];
  return [
    db.prepare(RECORD_VIEWS).bind(JSON.stringify([...views.values()])),
    db.prepare(UNPUBLISHED).bind(JSON.stringify([...views.keys()])),
  ];
}

/**
 * Writes each unpublished view to KV, then notes its version as published. The projection
 * runs one batch at a time (max_concurrency = 1), so these writes never race an older one.
 */
export async function publishStatuses(db: D1Database, kv: KVNamespace, unpublished: Unpublished[]): Promise<void> {
  if (unpublished.length === 0) return;
  await Promise.all(unpublished.map((row) => kv.put(orderStatusKey(row.order_id), row.body)));
  await db
    .prepare(MARK_PUBLISHED)
    .bind(JSON.stringify(unpublished.map((row) => ({ id: row.order_id, version: row.version }))))
    .run();
}
