import { describe, expect, it } from "vitest";
import { firstIdAt, newOrderId } from "../../src/platform/ids";
import { FOLD_AFTER_MS, FOLD_BATCH, foldHolds, giveStockBack, holdKey, NO_HOLDS, setStock, shelfOf, takeStock, type Hold, type Level, RecentHolds } from "./stock";

const now = new Date("2026-11-29T10:00:00.000Z");
const at = (ms: number) => new Date(now.getTime() + ms);
/** A level that counts every hold of orders placed before 09:00 (its `through`), and none after. */
const level: Level = { available: 5, weightGrams: 350, updatedAt: "2026-11-28T00:00:00.000Z", through: holdKey(firstIdAt("ord", at(-3_600_000).getTime())) };
const none = new RecentHolds();
const recentOrder = newOrderId(at(-1_000).getTime());
const oldOrder = newOrderId(at(-7_200_000).getTime());
const hold = (quantity: number, ms = 0): Hold => ({ quantity, at: at(ms).toISOString() });

describe("one SKU's stock", () => {
  it("takes what an order asks for when there is enough, writing the hold alone for a recent order", () => {
    expect(takeStock(level, none, undefined, recentOrder, 2, now)).toEqual({
      taken: { ok: true, quantity: 2, weightGrams: 350, already: false },
      hold: { quantity: 2, at: now.toISOString() },
    });
  });

  it("writes the level too for an order placed before the level's last fold (its payment came late)", () => {
    expect(takeStock(level, none, undefined, oldOrder, 2, now)).toEqual({
      taken: { ok: true, quantity: 2, weightGrams: 350, already: false },
      hold: { quantity: 2, at: now.toISOString() },
      level: { ...level, available: 3, updatedAt: now.toISOString() },
    });
  });

  it("counts the recent holds the level does not: what is left is the level less them", () => {
    const recent = new RecentHolds([[holdKey(newOrderId(at(-500).getTime())), hold(4, -500)]]);
    expect(shelfOf(level, recent)).toEqual({ available: 1, updatedAt: at(-500).toISOString() });
    expect(takeStock(level, recent, undefined, recentOrder, 2, now)).toEqual({ taken: { ok: false, available: 1 } });
    expect(takeStock(level, recent, undefined, recentOrder, 1, now).taken).toMatchObject({ ok: true, quantity: 1 });
  });

  it("takes nothing when there is not enough, saying how much there is", () => {
    expect(takeStock(level, none, undefined, recentOrder, 6, now)).toEqual({ taken: { ok: false, available: 5 } });
    expect(takeStock(undefined, none, undefined, recentOrder, 1, now)).toEqual({ taken: { ok: false, available: 0 } });
  });

  it("gives an order that already holds stock what it holds, taking nothing more (a retry)", () => {
    expect(takeStock(level, none, hold(2), recentOrder, 3, now)).toEqual({ taken: { ok: true, quantity: 2, weightGrams: 350, already: true } });
  });

  it("puts back what an order held: into the level's count when it counted the hold, and the level's time either way", () => {
    expect(giveStockBack(level, hold(2), oldOrder, now)).toEqual({ returned: 2, level: { ...level, available: 7, updatedAt: now.toISOString() } });
    expect(giveStockBack(level, hold(2), recentOrder, now)).toEqual({ returned: 2, level: { ...level, updatedAt: now.toISOString() } });
    expect(giveStockBack(level, undefined, recentOrder, now)).toEqual({ returned: 0 });
  });

  it("sets what is on the shelf: the stored level is that plus the recent holds it does not count", () => {
    const recent = new RecentHolds([[holdKey(recentOrder), hold(3)]]);
    const set = setStock(level, recent, { available: 10, weightGrams: 400 }, now);
    expect(set).toEqual({ available: 13, weightGrams: 400, updatedAt: now.toISOString(), through: level.through });
    expect(shelfOf(set, recent).available).toBe(10);
    expect(setStock(undefined, none, { available: 10, weightGrams: 400 }, now).through).toBe(NO_HOLDS);
  });
});

describe("folding old holds into the level", () => {
  const recentOf = (count: number, placedMsAgo: number): RecentHolds =>
    new RecentHolds(Array.from({ length: count }, (_, i) => [holdKey(newOrderId(at(-placedMsAgo - i).getTime())), hold(1, -placedMsAgo)] as const));
  const fresh: Level = { ...level, available: 100, through: NO_HOLDS };

  it("waits for a batch of holds of orders placed before the fold age", () => {
    expect(foldHolds(fresh, recentOf(FOLD_BATCH - 1, FOLD_AFTER_MS + 1_000), now)).toBeUndefined();
    expect(foldHolds(fresh, recentOf(FOLD_BATCH * 2, FOLD_AFTER_MS - 1_000), now)).toBeUndefined();
  });

  it("folds a batch in one level write, leaving what is on the shelf unchanged", () => {
    const old = recentOf(FOLD_BATCH, FOLD_AFTER_MS + 1_000);
    const young = recentOf(5, 1_000);
    const recent = new RecentHolds([...old, ...young]);
    const before = shelfOf(fresh, recent).available;
    const next = foldHolds(fresh, recent, now)!;
    expect(next.folded.sort()).toEqual([...old.keys()].sort());
    expect(next.level.available).toBe(100 - FOLD_BATCH);
    for (const key of next.folded) recent.delete(key);
    expect(shelfOf(next.level, recent).available).toBe(before);
    // Every folded key is now counted by the level; every key left is after its `through`.
    for (const key of old.keys()) expect(key <= next.level.through!).toBe(true);
    for (const key of young.keys()) expect(key > next.level.through!).toBe(true);
  });
});
