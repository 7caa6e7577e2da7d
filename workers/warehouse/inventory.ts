import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { Sku } from "../../src/contracts/values";
import { firstIdAt } from "../../src/platform/ids";
import { FOLD_BATCH, foldHolds, giveStockBack, holdKey, holdOf, NO_HOLDS, setStock, shelfOf, takeStock, type Hold, type Level, RecentHolds, type StoredHold, type Taken } from "./stock";

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
 * key `level` ({available, weightGrams, updatedAt, through}) and one key `order:<orderId>`
 * ({quantity, at}) per order holding stock. A take writes its hold alone: the level counts
 * the holds up to `through`, and the ones after it (orders placed in the last minutes) are
 * kept in memory and read back from their keys when the object wakes; a batch of them is
 * folded into the level now and then (workers/warehouse/stock.ts).
 */
export class StockItem extends DurableObject<WarehouseEnv> {
  /** The stored level and the holds after its `through`: read once per life of the object. */
  private shelf: { level: Level | undefined; recent: RecentHolds } | undefined;
  /** Takes since the recent holds were last looked over for a batch to fold (not at every take: they may be many); a new life looks at its first. */
  private takesSinceFoldCheck = FOLD_BATCH - 1;

  /** Takes `quantity` for the order, unless it already holds stock here; one row written (two for an order placed before the last fold). */
  async take(orderId: string, quantity: number): Promise<Taken> {
    const kv = this.ctx.storage.kv;
    const shelf = this.load();
    const now = new Date();
    const next = takeStock(shelf.level, shelf.recent, this.heldBy(orderId, now), orderId, quantity, now);
    if (next.hold) {
      kv.put<Hold>(holdKey(orderId), next.hold);
      if (next.level) this.saveLevel(next.level);
      else shelf.recent.set(holdKey(orderId), next.hold);
      this.fold(now);
    }
    return next.taken;
  }

  /** Puts the order's stock back; nothing when it holds none (released twice, never taken). */
  async giveBack(orderId: string): Promise<number> {
    const kv = this.ctx.storage.kv;
    const shelf = this.load();
    const now = new Date();
    const next = giveStockBack(shelf.level, this.heldBy(orderId, now), orderId, now);
    if (next.level) {
      this.saveLevel(next.level);
      kv.delete(holdKey(orderId));
      shelf.recent.delete(holdKey(orderId));
    }
    return next.returned;
  }

  async set(sku: string, input: z.output<typeof StockInput>): Promise<StockLevel> {
    const shelf = this.load();
    this.saveLevel(setStock(shelf.level, shelf.recent, input, new Date()));
    return this.view(sku)!;
  }

  async level(sku: string): Promise<StockLevel | undefined> {
    return this.view(sku);
  }

  private view(sku: string): StockLevel | undefined {
    const { level, recent } = this.load();
    return level && { sku, weightGrams: level.weightGrams, ...shelfOf(level, recent) };
  }

  /**
   * The level, and the holds it does not count, read from storage once per life. A level stored
   * before holds were folded counts all of them: it gets a `through` past every hold it has.
   */
  private load(): { level: Level | undefined; recent: RecentHolds } {
    if (this.shelf) return this.shelf;
    const kv = this.ctx.storage.kv;
    const level = kv.get<Level>("level");
    const recent = new RecentHolds();
    this.shelf = { level, recent };
    if (!level) return this.shelf;
    if (level.through === undefined) {
      let through = holdKey(firstIdAt("ord", Date.now()));
      for (const [key] of kv.list({ prefix: NO_HOLDS, startAfter: through })) through = key;
      this.saveLevel({ ...level, through });
      return this.shelf;
    }
    for (const [key, stored] of kv.list<StoredHold>({ prefix: NO_HOLDS, startAfter: level.through })) recent.set(key, holdOf(stored, level.updatedAt));
    return this.shelf;
  }

  /** What the order holds here, if anything (a hold stored as a bare quantity is dated `now`). */
  private heldBy(orderId: string, now: Date): Hold | undefined {
    const stored = this.ctx.storage.kv.get<StoredHold>(holdKey(orderId));
    return stored === undefined ? undefined : holdOf(stored, now.toISOString());
  }

  private saveLevel(level: Level): void {
    this.ctx.storage.kv.put<Level>("level", level);
    this.shelf!.level = level;
  }

  /** Folds a batch of old recent holds into the level, when there is one (one write for the batch). */
  private fold(now: Date): void {
    if (++this.takesSinceFoldCheck < FOLD_BATCH) return;
    this.takesSinceFoldCheck = 0;
    const shelf = this.shelf!;
    const next = shelf.level && foldHolds(shelf.level, shelf.recent, now);
    if (!next) return;
    this.saveLevel(next.level);
    for (const key of next.folded) shelf.recent.delete(key);
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
