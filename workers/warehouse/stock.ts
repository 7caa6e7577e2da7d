import { firstIdAt } from "../../src/platform/ids";

/**
 * One SKU's stored level. `available` counts every hold whose key is at or before `through`;
 * the holds after it (the recent ones, kept in memory and read back when the object wakes) are
 * taken off on read. So a take writes its hold alone, and the level is rewritten only when a
 * batch of old holds is folded in. Without `through` (a level stored before holds were folded),
 * every hold is already counted.
 */
export type Level = { available: number; weightGrams: number; updatedAt: string; through?: string };

/** An order's hold: the quantity and when it was taken (a bare number: a hold stored before `at`). */
export type Hold = { quantity: number; at: string };
export type StoredHold = Hold | number;

/**
 * The holds after a level's `through`, as the StockItem keeps them in memory: by key, with their
 * sum kept as they come and go, since every take reads it (a hot SKU has minutes of orders here).
 */
export class RecentHolds {
  private readonly holds = new Map<string, Hold>();
  /** The sum of their quantities. */
  quantity = 0;

  constructor(entries: Iterable<readonly [string, Hold]> = []) {
    for (const [key, hold] of entries) this.set(key, hold);
  }

  set(key: string, hold: Hold): void {
    this.delete(key);
    this.holds.set(key, hold);
    this.quantity += hold.quantity;
  }

  delete(key: string): void {
    const hold = this.holds.get(key);
    if (!hold) return;
    this.holds.delete(key);
    this.quantity -= hold.quantity;
  }

  get = (key: string) => this.holds.get(key);
  keys = () => this.holds.keys();
  values = () => this.holds.values();
  [Symbol.iterator] = () => this.holds.entries();
}

export type Taken = { ok: true; quantity: number; weightGrams: number; already: boolean } | { ok: false; available: number };

/** The key of an order's hold. Order ids begin with the time they were placed, so keys sort by placing time. */
export const holdKey = (orderId: string) => `order:${orderId}`;
/** Before every hold key: a level with this `through` counts no hold. */
export const NO_HOLDS = "order:";
/**
 * Holds of orders placed this long ago are folded into the level; a hold of such an order taken
 * later (its payment came late) writes the level too. What stays in memory is about this long's
 * orders of the SKU.
 */
export const FOLD_AFTER_MS = 2 * 60_000;
/** Fold only this many at a time: one level write per this many orders, at most. */
export const FOLD_BATCH = 32;

export const holdOf = (stored: StoredHold, at: string): Hold => (typeof stored === "number" ? { quantity: stored, at } : stored);

/** Whether a hold's key is counted in the stored level. */
const counted = (level: Level, key: string) => level.through === undefined || key <= level.through;

/** What the shelf has now: the stored level less the recent holds, and when it last changed. */
export function shelfOf(level: Level, recent: RecentHolds): { available: number; updatedAt: string } {
  let updatedAt = level.updatedAt;
  for (const hold of recent.values()) if (hold.at > updatedAt) updatedAt = hold.at;
  return { available: level.available - recent.quantity, updatedAt };
}

/**
 * What taking `quantity` for an order does to one SKU (pure: the StockItem object only reads and
 * writes). An order that already holds stock here gets what it holds again, taking nothing more;
 * otherwise it takes the quantity if there is enough. `hold`: the hold to write; `level`: the
 * level to write too, only for a hold the level counts (an order placed before the last fold).
 */
export function takeStock(
  level: Level | undefined,
  recent: RecentHolds,
  held: Hold | undefined,
  orderId: string,
  quantity: number,
  now: Date,
): { taken: Taken; hold?: Hold; level?: Level } {
  if (held !== undefined) return { taken: { ok: true, quantity: held.quantity, weightGrams: level?.weightGrams ?? 500, already: true } };
  const available = level ? level.available - recent.quantity : 0;
  if (!level || available < quantity) return { taken: { ok: false, available } };
  const hold: Hold = { quantity, at: now.toISOString() };
  const taken: Taken = { ok: true, quantity, weightGrams: level.weightGrams, already: false };
  if (!counted(level, holdKey(orderId))) return { taken, hold };
  return { taken, hold, level: { ...level, available: level.available - quantity, updatedAt: hold.at } };
}

/**
 * Giving an order's stock back: what it held returns to the shelf; nothing when it holds none.
 * The level is written either way (its time, and its count when it counted the hold).
 */
export function giveStockBack(level: Level | undefined, held: Hold | undefined, orderId: string, now: Date): { returned: number; level?: Level } {
  if (held === undefined || !level) return { returned: 0 };
  const available = counted(level, holdKey(orderId)) ? level.available + held.quantity : level.available;
  return { returned: held.quantity, level: { ...level, available, updatedAt: now.toISOString() } };
}

/** An admin sets what is on the shelf: the stored level is that plus the recent holds it does not count. */
export function setStock(level: Level | undefined, recent: RecentHolds, input: { available: number; weightGrams: number }, now: Date): Level {
  return { ...input, available: input.available + recent.quantity, updatedAt: now.toISOString(), through: level?.through ?? NO_HOLDS };
}

/**
 * Folds the recent holds of orders placed before FOLD_AFTER_MS ago into the level, once there
 * are FOLD_BATCH of them: the level is then written once for that many orders, and what the
 * object reads back when it wakes stays bounded. Undefined: nothing to write yet.
 */
export function foldHolds(level: Level, recent: RecentHolds, now: Date): { level: Level; folded: string[] } | undefined {
  if (level.through === undefined) return undefined;
  const through = holdKey(firstIdAt("ord", now.getTime() - FOLD_AFTER_MS));
  if (through <= level.through) return undefined;
  const folded = [...recent.keys()].filter((key) => key <= through);
  if (folded.length < FOLD_BATCH) return undefined;
  const quantity = folded.reduce((sum, key) => sum + recent.get(key)!.quantity, 0);
  return { level: { ...level, available: level.available - quantity, through }, folded };
}
