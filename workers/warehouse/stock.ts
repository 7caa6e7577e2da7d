/** One SKU's stock level as its StockItem keeps it. */
export type Level = { available: number; weightGrams: number; updatedAt: string };

export type Taken = { ok: true; quantity: number; weightGrams: number; already: boolean } | { ok: false; available: number };

/**
 * What taking `quantity` for an order does to one SKU (pure: the StockItem object only reads and
 * writes). An order that already holds stock here gets what it holds again, taking nothing more;
 * otherwise it takes the quantity if there is enough. `level`/`hold`: what to write, if anything.
 */
export function takeStock(level: Level | undefined, held: number | undefined, quantity: number, now: Date): { taken: Taken; level?: Level; hold?: number } {
  if (held !== undefined) return { taken: { ok: true, quantity: held, weightGrams: level?.weightGrams ?? 500, already: true } };
  if (!level || level.available < quantity) return { taken: { ok: false, available: level?.available ?? 0 } };
  return {
    taken: { ok: true, quantity, weightGrams: level.weightGrams, already: false },
    level: { ...level, available: level.available - quantity, updatedAt: now.toISOString() },
    hold: quantity,
  };
}

/** Giving an order's stock back: what it held returns to the shelf; nothing when it holds none. */
export function giveStockBack(level: Level | undefined, held: number | undefined, now: Date): { returned: number; level?: Level } {
  if (held === undefined || !level) return { returned: 0 };
  return { returned: held, level: { ...level, available: level.available + held, updatedAt: now.toISOString() } };
}
