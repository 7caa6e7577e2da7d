import { describe, expect, it } from "vitest";
import { giveStockBack, takeStock, type Level } from "./stock";

const now = new Date("2026-11-29T10:00:00.000Z");
const level: Level = { available: 5, weightGrams: 350, updatedAt: "2026-11-28T00:00:00.000Z" };

describe("one SKU's stock", () => {
  it("takes what an order asks for when there is enough, and holds it under the order", () => {
    expect(takeStock(level, undefined, 2, now)).toEqual({
      taken: { ok: true, quantity: 2, weightGrams: 350, already: false },
      level: { available: 3, weightGrams: 350, updatedAt: now.toISOString() },
      hold: 2,
    });
  });

  it("takes nothing when there is not enough, saying how much there is", () => {
    expect(takeStock(level, undefined, 6, now)).toEqual({ taken: { ok: false, available: 5 } });
    expect(takeStock(undefined, undefined, 1, now)).toEqual({ taken: { ok: false, available: 0 } });
  });

  it("gives an order that already holds stock what it holds, taking nothing more (a retry)", () => {
    expect(takeStock(level, 2, 3, now)).toEqual({ taken: { ok: true, quantity: 2, weightGrams: 350, already: true } });
  });

  it("puts back what an order held, and nothing for an order that holds none", () => {
    expect(giveStockBack(level, 2, now)).toEqual({ returned: 2, level: { available: 7, weightGrams: 350, updatedAt: now.toISOString() } });
    expect(giveStockBack(level, undefined, now)).toEqual({ returned: 0 });
  });
});
