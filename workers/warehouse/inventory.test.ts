import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "./index";
import { inventoryOf } from "./inventory";

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
