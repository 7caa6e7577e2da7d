import { DurableObject } from "cloudflare:workers";
import type { OrderStatus } from "../../src/contracts/values";

export type StuckOrder = { orderId: string; status: OrderStatus; since: string; reportedAt: string };

/** The one list of stuck orders for the shop. */
export const stuckOrdersOf = (env: { STUCK_ORDERS: DurableObjectNamespace<StuckOrders> }) => env.STUCK_ORDERS.get(env.STUCK_ORDERS.idFromName("stuck-orders"));

type StuckRow = { order_id: string; status: OrderStatus; since: string; reported_at: string };

/**
 * The orders that have waited too long at one stage. Orders report themselves (from their
 * watchdog timer) and withdraw when they move on, so the list costs nothing while all is well.
 */
export class StuckOrders extends DurableObject<SalesEnv> {
  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS stuck (
      order_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,        -- the stage it is waiting in
      since TEXT NOT NULL,         -- when it entered that stage
      reported_at TEXT NOT NULL
    )`);
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
  }

  async resolve(orderId: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM stuck WHERE order_id = ?", orderId);
  }

  async list(): Promise<StuckOrder[]> {
    return this.ctx.storage.sql
      .exec<StuckRow>("SELECT * FROM stuck ORDER BY since")
      .toArray()
      .map((row) => ({ orderId: row.order_id, status: row.status, since: row.since, reportedAt: row.reported_at }));
  }
}
