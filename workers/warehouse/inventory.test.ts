import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
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
    for (let i = 0; i < FOLD_BATCH; i++) await item("SHELF-2").take(placedAgo(FOLD_AFTER_MS + 60_000 + i), 1);
    const folded = await stored("SHELF-2");
    expect(folded.level.available).toBe(100 - FOLD_BATCH);
    expect(Object.keys(folded.holds)).toHaveLength(FOLD_BATCH);
    expect(folded.afterRestart).toBe(100 - FOLD_BATCH);
    // An order placed before the fold, paid only now: its hold and the level, both written.
    const late = placedAgo(FOLD_AFTER_MS + 120_000);
    expect(await item("SHELF-2").take(late, 2)).toMatchObject({ ok: true, quantity: 2, already: false });
    expect(await item("SHELF-2").take(late, 2)).toMatchObject({ ok: true, quantity: 2, already: true });
    expect(await stored("SHELF-2")).toMatchObject({ level: { available: 100 - FOLD_BATCH - 2 }, afterRestart: 100 - FOLD_BATCH - 2 });
    expect(await inventory().release(late, ["SHELF-2"])).toEqual([{ sku: "SHELF-2", quantity: 2 }]);
    expect((await stored("SHELF-2")).afterRestart).toBe(100 - FOLD_BATCH);
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
