import { DurableObject } from "cloudflare:workers";
import { newOrderId } from "../../src/platform/ids";
import { meteredObject } from "../../src/platform/meter";

/** Stripe's rule: a key is remembered for 24 hours, then forgotten. */
export const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

export type KeyClaim =
  | { kind: "new"; orderId: string }
  | { kind: "in_progress"; orderId: string }
  | { kind: "replay"; orderId: string; status: number; body: string }
  | { kind: "mismatch" };

type KeyRow = { fingerprint: string; order_id: string; status: number | null; body: string | null; created_at: number };

/**
 * One object per `Idempotency-Key`. The first request claims it with its body's
 * fingerprint and gets the order id to create; a retry with the same body gets the
 * same order id (or the saved response), a different body is refused.
 */
export class IdempotencyKey extends DurableObject<SalesEnv> {
  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS claim (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      fingerprint TEXT NOT NULL,
      order_id TEXT NOT NULL,
      status INTEGER,             -- saved response, once the request completed
      body TEXT,
      created_at INTEGER NOT NULL
    )`);
  }

  async claim(fingerprint: string, now = Date.now()): Promise<KeyClaim> {
    const row = this.current(now);
    if (!row) {
      const orderId = newOrderId();
      this.ctx.storage.sql.exec(
        "INSERT INTO claim (id, fingerprint, order_id, created_at) VALUES (1, ?, ?, ?)",
        fingerprint,
        orderId,
        now,
      );
      await this.ctx.storage.setAlarm(now + KEY_LIFETIME_MS);
      return { kind: "new", orderId };
    }
    if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
    if (row.status !== null && row.body !== null) {
      return { kind: "replay", orderId: row.order_id, status: row.status, body: row.body };
    }
    return { kind: "in_progress", orderId: row.order_id };
  }

  /** Saves the response so retries replay it exactly. */
  async complete(status: number, body: string): Promise<void> {
    this.ctx.storage.sql.exec("UPDATE claim SET status = ?, body = ? WHERE id = 1", status, body);
  }

  /** Forgets a claim whose request failed validation, as Stripe does: no result is saved. */
  async release(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM claim WHERE id = 1 AND status IS NULL");
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private current(now: number): KeyRow | undefined {
    const row = this.ctx.storage.sql.exec<KeyRow>("SELECT * FROM claim WHERE id = 1").toArray()[0];
    if (row && now - row.created_at >= KEY_LIFETIME_MS) {
      this.ctx.storage.sql.exec("DELETE FROM claim");
      return undefined;
    }
    return row;
  }
}
