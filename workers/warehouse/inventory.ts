import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Sku } from "../../src/contracts/values";
import { giveStockBack, takeStock, type Level, type Taken } from "./stock";

export const StockInput = z.strictObject({
  available: z.number().int().min(0).max(10_000_000),
  weightGrams: z.number().int().min(1).max(1_000_000).default(500),
});
export const StockLevel = StockInput.extend({ sku: Sku, updatedAt: z.string() });
export type StockLevel = z.infer<typeof StockLevel>;

export type OrderLine = { sku: string; quantity: number };

export type Allocation =
  | { ok: true; lines: { sku: string; quantity: number; weightGrams: number }[]; alreadyAllocated: boolean }
  | { ok: false; short: { sku: string; requested: number; available: number }[] };

/**
 * The stock of one SKU. One object per SKU, so no single object carries the whole shop's
 * orders (an object serves about a thousand requests a second); an order's allocation is
 * kept under its id, so taking stock for the same order twice takes it once. Storage: the
 * key `level` ({available, weightGrams, updatedAt}) and one key `order:<orderId>` (the
 * quantity) per order holding stock.
 */
export class StockItem extends DurableObject<WarehouseEnv> {
  /** Takes `quantity` for the order, unless it already holds stock here; two rows written. */
  async take(orderId: string, quantity: number): Promise<Taken> {
    const kv = this.ctx.storage.kv;
    const next = takeStock(kv.get<Level>("level"), kv.get<number>(`order:${orderId}`), quantity, new Date());
    if (next.level) kv.put<Level>("level", next.level);
    if (next.hold !== undefined) kv.put(`order:${orderId}`, next.hold);
    return next.taken;
  }

  /** Puts the order's stock back; nothing when it holds none (released twice, never taken). */
  async giveBack(orderId: string): Promise<number> {
    const kv = this.ctx.storage.kv;
    const next = giveStockBack(kv.get<Level>("level"), kv.get<number>(`order:${orderId}`), new Date());
    if (next.level) {
      kv.put<Level>("level", next.level);
      kv.delete(`order:${orderId}`);
    }
    return next.returned;
  }

  async set(sku: string, input: z.output<typeof StockInput>): Promise<StockLevel> {
    const level: Level = { ...input, updatedAt: new Date().toISOString() };
    this.ctx.storage.kv.put("level", level);
    return { sku, ...level };
  }

  async level(sku: string): Promise<StockLevel | undefined> {
    const level = this.ctx.storage.kv.get<Level>("level");
    return level && { sku, ...level };
  }
}

/** The SKUs that have stock set, so the admin list can find their objects; written only by PUT /admin/stock. */
export class StockDirectory extends DurableObject<WarehouseEnv> {
  async add(sku: string): Promise<void> {
    if (this.ctx.storage.kv.get(`sku:${sku}`) === undefined) this.ctx.storage.kv.put(`sku:${sku}`, true);
  }

  async skus(): Promise<string[]> {
    return [...this.ctx.storage.kv.list({ prefix: "sku:" })].map(([key]) => key.slice("sku:".length));
  }
}

/**
 * The warehouse's stock, over one StockItem per SKU. An order's lines are taken one SKU after
 * another in SKU order; if one is short, what this order took is given back, so an order gets
 * all its lines or none. (Two orders racing for the last units of two SKUs may then both come
 * away short where one could have had them: the price of no object seeing every order.)
 */
export function stockOf(stock: DurableObjectNamespace<StockItem>) {
  const item = (sku: string) => stock.get(stock.idFromName(sku));
  const release = async (orderId: string, skus: readonly string[]) =>
    (await Promise.all([...new Set(skus)].map(async (sku) => ({ sku, quantity: await item(sku).giveBack(orderId) })))).filter((line) => line.quantity > 0);

  return {
    item,
    async allocate(orderId: string, lines: readonly OrderLine[]): Promise<Allocation> {
      const bySku = new Map<string, number>();
      for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
      const sorted = [...bySku].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
      const taken: { sku: string; quantity: number; weightGrams: number; already: boolean }[] = [];
      for (const line of sorted) {
        const result = await item(line.sku).take(orderId, line.quantity);
        if (!result.ok) {
          await release(orderId, taken.map((t) => t.sku));
          return { ok: false, short: [{ sku: line.sku, requested: line.quantity, available: result.available }] };
        }
        taken.push({ sku: line.sku, ...result });
      }
      return { ok: true, alreadyAllocated: taken.every((t) => t.already), lines: taken.map(({ sku, quantity, weightGrams }) => ({ sku, quantity, weightGrams })) };
    },
    /** Gives back what the order holds of these SKUs; returns what was given back. */
    release,
  };
}

/** The stock, and the list of SKUs that have stock (for the admin API). */
export function inventoryOf(env: WarehouseEnv) {
  const { item, ...stock } = stockOf(env.STOCK);
  const directory = () => env.STOCK_DIRECTORY.get(env.STOCK_DIRECTORY.idFromName("stock-directory"));
  return {
    ...stock,
    async setStock(sku: string, input: z.output<typeof StockInput>): Promise<StockLevel> {
      await directory().add(sku);
      return item(sku).set(sku, input);
    },
    async list(): Promise<StockLevel[]> {
      const skus = (await directory().skus()).sort();
      const levels: StockLevel[] = [];
      for (const level of await Promise.all(skus.map((sku) => item(sku).level(sku)))) {
        if (level) levels.push({ sku: level.sku, available: level.available, weightGrams: level.weightGrams, updatedAt: level.updatedAt });
      }
      return levels;
    },
  };
}
