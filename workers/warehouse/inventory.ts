import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Sku } from "../../src/contracts/values";
import { meteredObject } from "../../src/platform/meter";

export const StockInput = z.strictObject({
  available: z.number().int().min(0).max(10_000_000),
  weightGrams: z.number().int().min(1).max(1_000_000).default(500),
});
export const StockLevel = StockInput.extend({ sku: Sku, updatedAt: z.string() });
export type StockLevel = z.infer<typeof StockLevel>;

export type Allocation =
  | { ok: true; lines: { sku: string; quantity: number; weightGrams: number }[]; alreadyAllocated: boolean }
  | { ok: false; short: { sku: string; requested: number; available: number }[] };

type StockRow = { sku: string; available: number; weight_grams: number; updated_at: string };

/** The one stock ledger of the warehouse. */
export const inventoryOf = (env: WarehouseEnv) => env.INVENTORY.get(env.INVENTORY.idFromName("inventory")) as DurableObjectStub<Inventory>;

/**
 * Stock per SKU, owned by Warehouse. One object for the whole warehouse so an allocation
 * across several SKUs is all-or-nothing; allocations are keyed by order, so allocating
 * the same order twice takes stock once.
 */
export class Inventory extends DurableObject<WarehouseEnv> {
  constructor(ctx: DurableObjectState, env: WarehouseEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS stock (
        sku TEXT PRIMARY KEY,
        available INTEGER NOT NULL,      -- units free to allocate
        weight_grams INTEGER NOT NULL,   -- per unit, for the parcel
        updated_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS allocations (
        order_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        allocated_at TEXT NOT NULL,
        PRIMARY KEY (order_id, sku)
      ) WITHOUT ROWID;`);
  }

  async allocate(orderId: string, lines: { sku: string; quantity: number }[]): Promise<Allocation> {
    return this.ctx.storage.transactionSync((): Allocation => {
      const weights = this.stockBySku(lines.map((l) => l.sku));
      const existing = this.ctx.storage.sql
        .exec<{ sku: string; quantity: number }>("SELECT sku, quantity FROM allocations WHERE order_id = ?", orderId)
        .toArray();
      if (existing.length > 0) {
        return {
          ok: true,
          alreadyAllocated: true,
          lines: existing.map((l) => ({ ...l, weightGrams: weights.get(l.sku)?.weight_grams ?? 500 })),
        };
      }
      const short = lines
        .map((line) => ({ sku: line.sku, requested: line.quantity, available: weights.get(line.sku)?.available ?? 0 }))
        .filter((line) => line.available < line.requested);
      if (short.length > 0) return { ok: false, short };
      const now = new Date().toISOString();
      for (const line of lines) {
        this.ctx.storage.sql.exec("UPDATE stock SET available = available - ?, updated_at = ? WHERE sku = ?", line.quantity, now, line.sku);
        this.ctx.storage.sql.exec(
          "INSERT INTO allocations (order_id, sku, quantity, allocated_at) VALUES (?, ?, ?, ?)",
          orderId,
          line.sku,
          line.quantity,
          now,
        );
      }
      return { ok: true, alreadyAllocated: false, lines: lines.map((l) => ({ ...l, weightGrams: weights.get(l.sku)!.weight_grams })) };
    });
  }

  /** Puts an order's allocated stock back; releasing twice (or never allocated) returns nothing. */
  async release(orderId: string): Promise<{ sku: string; quantity: number }[]> {
    return this.ctx.storage.transactionSync(() => {
      const lines = this.ctx.storage.sql
        .exec<{ sku: string; quantity: number }>("SELECT sku, quantity FROM allocations WHERE order_id = ?", orderId)
        .toArray();
      const now = new Date().toISOString();
      for (const line of lines) {
        this.ctx.storage.sql.exec("UPDATE stock SET available = available + ?, updated_at = ? WHERE sku = ?", line.quantity, now, line.sku);
      }
      this.ctx.storage.sql.exec("DELETE FROM allocations WHERE order_id = ?", orderId);
      return lines;
    });
  }

  async setStock(sku: string, input: z.output<typeof StockInput>): Promise<StockLevel> {
    const updatedAt = new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO stock (sku, available, weight_grams, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET available = excluded.available, weight_grams = excluded.weight_grams,
         updated_at = excluded.updated_at`,
      sku,
      input.available,
      input.weightGrams,
      updatedAt,
    );
    return { sku, ...input, updatedAt };
  }

  async list(): Promise<StockLevel[]> {
    return this.ctx.storage.sql
      .exec<StockRow>("SELECT * FROM stock ORDER BY sku")
      .toArray()
      .map((row) => ({ sku: row.sku, available: row.available, weightGrams: row.weight_grams, updatedAt: row.updated_at }));
  }

  private stockBySku(skus: string[]): Map<string, StockRow> {
    const marks = skus.map(() => "?").join(",");
    const rows = this.ctx.storage.sql.exec<StockRow>(`SELECT * FROM stock WHERE sku IN (${marks})`, ...skus).toArray();
    return new Map(rows.map((row) => [row.sku, row]));
  }
}
