import { DurableObject } from "cloudflare:workers";
import type { OrderStatus } from "../../src/contracts/values";
import { log } from "../../src/platform/log";
import { encodeCursor, pageOf, type After } from "../../src/platform/paging";
import { PRUNE_BATCH, PruneAlarm, retentionMs } from "../../src/platform/retention";

export type StuckOrder = { orderId: string; status: OrderStatus; since: string; reportedAt: string };

/** An order stuck this long is a case for its own investigation, not an alert any more. */
const DEFAULT_RETENTION_DAYS = 30;

/** The one list of stuck orders for the shop. */
export const stuckOrdersOf = (env: { STUCK_ORDERS: DurableObjectNamespace<StuckOrders> }) => env.STUCK_ORDERS.get(env.STUCK_ORDERS.idFromName("stuck-orders"));

type StuckRow = { order_id: string; status: OrderStatus; since: string; reported_at: string };

/**
 * The orders that have waited too long at one stage. Orders report themselves (from their
 * watchdog timer) and withdraw when they move on, so the list costs nothing while all is well.
 * One that never moves on is dropped STUCK_RETENTION_DAYS after its last report, by the alarm.
 */
export class StuckOrders extends DurableObject<SalesEnv> {
  private readonly pruneAlarm: PruneAlarm;

  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    this.pruneAlarm = new PruneAlarm(ctx.storage);
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS stuck (
      order_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,        -- the stage it is waiting in
      since TEXT NOT NULL,         -- when it entered that stage
      reported_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS stuck_by_since ON stuck (since, order_id);
    CREATE INDEX IF NOT EXISTS stuck_by_report ON stuck (reported_at);`);
  }

  private get retention(): number {
    return retentionMs(this.env.STUCK_RETENTION_DAYS, DEFAULT_RETENTION_DAYS);
  }

  async report(order: StuckOrder): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO stuck (order_id, status, since, reported_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, since = excluded.since, reported_at = excluded.reported_at`,
      order.orderId,
      order.status,
      order.since,
      order.reportedAt,
    );
    await this.pruneAlarm.ensure(Date.parse(order.reportedAt) + this.retention);
  }

  async resolve(orderId: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM stuck WHERE order_id = ?", orderId);
  }

  /** Oldest stage entry first, a page at a time. */
  async list(page: { limit: number; after?: After }): Promise<{ orders: StuckOrder[]; nextCursor?: string }> {
    const rows = this.ctx.storage.sql
      .exec<StuckRow>(
        "SELECT * FROM stuck WHERE ?1 IS NULL OR (since, order_id) > (?1, ?2) ORDER BY since, order_id LIMIT ?3",
        page.after?.key ?? null,
        page.after?.id ?? null,
        page.limit + 1,
      )
      .toArray();
    const { items, nextCursor } = pageOf(rows, page.limit, (last) => encodeCursor(last.since, last.order_id));
    const orders = items.map((row) => ({ orderId: row.order_id, status: row.status, since: row.since, reportedAt: row.reported_at }));
    return nextCursor ? { orders, nextCursor } : { orders };
  }

  /** Drops a batch of entries reported longer ago than the retention window; the alarm comes back for the rest. */
  override async alarm(): Promise<void> {
    const cutoff = new Date(Date.now() - this.retention).toISOString();
    const sql = this.ctx.storage.sql;
    const dropped = sql
      .exec<{ order_id: string }>("DELETE FROM stuck WHERE order_id IN (SELECT order_id FROM stuck WHERE reported_at < ? ORDER BY reported_at LIMIT ?) RETURNING order_id", cutoff, PRUNE_BATCH)
      .toArray()
      .map((row) => row.order_id);
    if (dropped.length) log("warn", "stuck orders dropped from the list after the retention window", { orders: dropped.length, orderIds: dropped.slice(0, 50), reportedBefore: cutoff });
    const oldest = sql.exec<{ at: string | null }>("SELECT min(reported_at) AS at FROM stuck").one().at;
    await this.pruneAlarm.rearm(oldest === null ? null : Date.parse(oldest) + this.retention);
  }
}
