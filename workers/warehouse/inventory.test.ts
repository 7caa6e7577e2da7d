import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newOrderId } from "../../src/platform/ids";
import worker from "./index";
import { inventoryOf, StockItem } from "./inventory";
import { FOLD_AFTER_MS, FOLD_BATCH, holdKey, type Level } from "./stock";

const e = env as WarehouseEnv;
const inventory = () => inventoryOf(e);
const available = async (sku: string) => (await inventory().list()).find((s) => s.sku === sku)?.available;

async function stockApi(method: string, path: string, body?: unknown, token = "test-admin-token") {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const request = new Request(`https://warehouse${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, e, {} as ExecutionContext);
  return { status: response.status, json: (await response.json()) as any };
}

describe("Inventory", () => {
  it("allocates all lines of an order or none of them", async () => {
    await inventory().setStock("INV-A", { available: 5, weightGrams: 100 });
    await inventory().setStock("INV-B", { available: 1, weightGrams: 100 });
    const result = await inventory().allocate("ord_all_or_nothing", [
      { sku: "INV-A", quantity: 2 },
      { sku: "INV-B", quantity: 2 },
    ]);
    expect(result).toEqual({ ok: false, short: [{ sku: "INV-B", requested: 2, available: 1 }] });
    expect(await available("INV-A")).toBe(5);
  });

  it("allocates an order once, whatever the number of calls", async () => {
    await inventory().setStock("INV-C", { available: 10, weightGrams: 100 });
    const lines = [{ sku: "INV-C", quantity: 3 }];
    const [first, second] = await Promise.all([inventory().allocate("ord_twice", lines), inventory().allocate("ord_twice", lines)]);
    expect([first?.ok, second?.ok]).toEqual([true, true]);
    expect(await available("INV-C")).toBe(7);
  });

  it("treats an unknown SKU as out of stock", async () => {
    expect(await inventory().allocate("ord_ghost", [{ sku: "GHOST-1", quantity: 1 }])).toEqual({
      ok: false,
      short: [{ sku: "GHOST-1", requested: 1, available: 0 }],
    });
  });
});

describe("a SKU's stock in its object's storage", () => {
  const item = (sku: string) => e.STOCK.get(e.STOCK.idFromName(sku));
  /** What the object has stored, and what a new life of it (after an eviction or a restart) reads back. */
  const stored = (sku: string) =>
    runInDurableObject(item(sku), async (_instance, state) => ({
      level: state.storage.kv.get<Level>("level")!,
      holds: Object.fromEntries([...state.storage.kv.list({ prefix: "order:" })]),
      afterRestart: (await new StockItem(state, e).level(sku))!.available,
    }));

  it("writes a recent order's hold alone, and a new life of the object still counts it", async () => {
    await inventory().setStock("SHELF-1", { available: 10, weightGrams: 100 });
    const before = (await stored("SHELF-1")).level;
    const order = newOrderId();
    expect(await inventory().allocate(order, [{ sku: "SHELF-1", quantity: 3 }])).toMatchObject({ ok: true });
    const after = await stored("SHELF-1");
    expect(after.level).toEqual(before);
    expect(Object.keys(after.holds)).toEqual([holdKey(order)]);
    expect(after.afterRestart).toBe(7);
    expect(await available("SHELF-1")).toBe(7);
    // Given back: the shelf has it again, in this life and the next.
    expect(await inventory().release(order, ["SHELF-1"])).toEqual([{ sku: "SHELF-1", quantity: 3 }]);
    expect(await stored("SHELF-1")).toMatchObject({ holds: {}, afterRestart: 10 });
  });

  it("folds a batch of old orders' holds into the level in one write, and counts a late order's hold in the level at once", async () => {
    await inventory().setStock("SHELF-2", { available: 100, weightGrams: 100 });
    const placedAgo = (ms: number) => newOrderId(Date.now() - ms);
    // The object looks for a batch at its first take, then every FOLD_BATCH takes: the last of
    // these takes finds FOLD_BATCH + 1 holds of orders placed over FOLD_AFTER_MS ago.
    const old = FOLD_BATCH + 1;
    for (let i = 0; i < old - 1; i++) await item("SHELF-2").take(placedAgo(FOLD_AFTER_MS + 60_000 + i), 1);
    expect((await stored("SHELF-2")).level.available).toBe(100);
    await item("SHELF-2").take(placedAgo(FOLD_AFTER_MS + 60_000 + old), 1);
    const folded = await stored("SHELF-2");
    expect(folded.level.available).toBe(100 - old);
    expect(Object.keys(folded.holds)).toHaveLength(old);
    expect(folded.afterRestart).toBe(100 - old);
    // An order placed before the fold, paid only now: its hold and the level, both written.
    const late = placedAgo(FOLD_AFTER_MS + 120_000);
    expect(await item("SHELF-2").take(late, 2)).toMatchObject({ ok: true, quantity: 2, already: false });
    expect(await item("SHELF-2").take(late, 2)).toMatchObject({ ok: true, quantity: 2, already: true });
    expect(await stored("SHELF-2")).toMatchObject({ level: { available: 100 - old - 2 }, afterRestart: 100 - old - 2 });
    expect(await inventory().release(late, ["SHELF-2"])).toEqual([{ sku: "SHELF-2", quantity: 2 }]);
    expect((await stored("SHELF-2")).afterRestart).toBe(100 - old);
  });

  it("keeps what is on the shelf right through takes, retries, give-backs, folds, late payments and restarts", async () => {
    type Step = { kind: "take"; order: number; quantity: number } | { kind: "giveBack"; order: number } | { kind: "restart" } | { kind: "set"; available: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 12, arbitrary: fc.record({ kind: fc.constant("take" as const), order: fc.nat(79), quantity: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("giveBack" as const), order: fc.nat(79) }) },
      { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("set" as const), available: fc.integer({ min: 0, max: 200 }) }) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 100, maxLength: 300 }), async (steps) => {
        const sku = `SHELF-P${run++}`;
        // Eighty orders placed from an hour ago to now: many before the fold age, so batches fold and late payments come.
        const orders = Array.from({ length: 80 }, (_, i) => newOrderId(Date.now() - (80 - i) * 45_000));
        await runInDurableObject(item(sku), async (_instance, state) => {
          let object = new StockItem(state, e);
          let onShelf = 150;
          const held = new Map<string, number>();
          await object.set(sku, { available: onShelf, weightGrams: 100 });
          for (const s of steps) {
            if (s.kind === "take") {
              const order = orders[s.order]!;
              const taken = await object.take(order, s.quantity);
              if (held.has(order)) expect(taken).toMatchObject({ ok: true, quantity: held.get(order), already: true });
              else if (onShelf >= s.quantity) {
                expect(taken).toMatchObject({ ok: true, quantity: s.quantity, already: false });
                held.set(order, s.quantity);
                onShelf -= s.quantity;
              } else expect(taken).toEqual({ ok: false, available: onShelf });
            } else if (s.kind === "giveBack") {
              const order = orders[s.order]!;
              expect(await object.giveBack(order)).toBe(held.get(order) ?? 0);
              onShelf += held.get(order) ?? 0;
              held.delete(order);
            } else if (s.kind === "set") {
              await object.set(sku, { available: s.available, weightGrams: 100 });
              onShelf = s.available;
            } else object = new StockItem(state, e);
            expect((await object.level(sku))!.available).toBe(onShelf);
          }
          expect((await new StockItem(state, e).level(sku))!.available).toBe(onShelf);
        });
      }),
      { numRuns: 25, seed: 20261129 },
    );
  });

  it("reads a level stored before holds were folded as counting every hold it has", async () => {
    const order = newOrderId();
    await runInDurableObject(item("SHELF-3"), async (_instance, state) => {
      state.storage.kv.put("level", { available: 4, weightGrams: 100, updatedAt: "2026-11-01T00:00:00.000Z" });
      state.storage.kv.put(holdKey(order), 6);
    });
    expect(await stored("SHELF-3")).toMatchObject({ afterRestart: 4 });
    expect(await item("SHELF-3").take(order, 6)).toMatchObject({ ok: true, quantity: 6, already: true });
    expect(await item("SHELF-3").take(newOrderId(), 4)).toMatchObject({ ok: true, already: false });
    expect(await stored("SHELF-3")).toMatchObject({ afterRestart: 0 });
  });
});

describe("stock admin API", () => {
  it("sets and lists stock levels", async () => {
    const put = await stockApi("PUT", "/admin/stock/INV-D", { available: 42 });
    expect(put).toMatchObject({ status: 200, json: { sku: "INV-D", available: 42, weightGrams: 500 } });
    const list = await stockApi("GET", "/admin/stock");
    expect(list.json.stock).toContainEqual(expect.objectContaining({ sku: "INV-D", available: 42 }));
  });

  it("refuses callers without the admin token", async () => {
    expect((await stockApi("GET", "/admin/stock", undefined, "wrong")).status).toBe(401);
    expect((await stockApi("PUT", "/admin/stock/INV-E", { available: 1 }, "wrong")).status).toBe(401);
    expect(await available("INV-E")).toBeUndefined();
  });

  it.each([
    [{ available: -1 }, "available"],
    [{ available: 1.5 }, "available"],
    [{ available: 1, colour: "red" }, "(root)"],
  ])("rejects an invalid level %j", async (body, path) => {
    const res = await stockApi("PUT", "/admin/stock/INV-F", body);
    expect(res.status).toBe(422);
    expect(res.json.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await available("INV-F")).toBeUndefined();
  });
});
