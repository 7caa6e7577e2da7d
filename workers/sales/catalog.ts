import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Currency, MinorUnits, Sku } from "../../src/contracts/values";

export const ProductInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  price: MinorUnits,
  currency: Currency,
});
export const Product = ProductInput.extend({ sku: Sku, updatedAt: z.iso.datetime({ offset: true }) });
export type Product = z.infer<typeof Product>;

type ProductRow = { sku: string; name: string; price: number; currency: string; updated_at: string };
const toProduct = (row: ProductRow): Product => ({
  sku: row.sku,
  name: row.name,
  price: row.price,
  currency: row.currency,
  updatedAt: row.updated_at,
});

/** The product catalog Sales prices orders from; one object for the whole shop. */
export class Catalog extends DurableObject<SalesEnv> {
  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS products (
      sku TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      price INTEGER NOT NULL,      -- minor units
      currency TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  }

  async list(): Promise<Product[]> {
    return this.ctx.storage.sql.exec<ProductRow>("SELECT * FROM products ORDER BY sku").toArray().map(toProduct);
  }

  async lookup(skus: string[]): Promise<Product[]> {
    if (skus.length === 0) return [];
    const marks = skus.map(() => "?").join(",");
    return this.ctx.storage.sql
      .exec<ProductRow>(`SELECT * FROM products WHERE sku IN (${marks})`, ...skus)
      .toArray()
      .map(toProduct);
  }

  async upsert(sku: string, input: z.infer<typeof ProductInput>): Promise<{ product: Product; created: boolean }> {
    const existed = this.ctx.storage.sql.exec("SELECT 1 FROM products WHERE sku = ?", sku).toArray().length > 0;
    const updatedAt = new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT INTO products (sku, name, price, currency, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price,
         currency = excluded.currency, updated_at = excluded.updated_at`,
      sku,
      input.name,
      input.price,
      input.currency,
      updatedAt,
    );
    return { product: { sku, ...input, updatedAt }, created: !existed };
  }
}
