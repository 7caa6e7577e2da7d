import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/platform/ids";
import { stuckOrdersOf, type StuckOrders } from "./stuck-orders";
import { ADMIN, call } from "./test-helpers";

const e = env as SalesEnv;
const DAY = 24 * 3600_000;
const list = () => stuckOrdersOf(e) as DurableObjectStub<StuckOrders>;
const stuck = (orderId: string, since: string) => ({ orderId, status: "placed" as const, since, reportedAt: new Date().toISOString() });

describe("the stuck-order list", () => {
  it("pages oldest first with a cursor, and refuses a cursor it never handed out with 422", async () => {
    // Older than anything else on the list, so these three come first.
    const ids = [newId("ord"), newId("ord"), newId("ord")];
    for (const [i, id] of ids.entries()) await list().report(stuck(id, `2001-01-0${i + 1}T00:00:00.000Z`));

    const first = await call("GET", "/admin/orders/stuck?limit=2", undefined, ADMIN);
    expect(first.status).toBe(200);
    expect(first.json.orders.map((order: { orderId: string }) => order.orderId)).toEqual(ids.slice(0, 2));
    const second = await call("GET", `/admin/orders/stuck?limit=2&cursor=${first.json.nextCursor}`, undefined, ADMIN);
    expect(second.json.orders[0].orderId).toBe(ids[2]);

    for (const [query, field] of [["cursor=bm90LWEtY3Vyc29y", "cursor"], ["limit=0", "limit"], ["limit=many", "limit"]]) {
      const res = await call("GET", `/admin/orders/stuck?${query}`, undefined, ADMIN);
      expect(res.status, query).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.errors.map((error: { path: string }) => error.path)).toEqual([field]);
    }
    for (const id of ids) await list().resolve(id);
  });

  it("drops an order still on it 30 days after its report, on the list's alarm, and keeps the rest", async () => {
    const [old, recent] = [newId("ord"), newId("ord")];
    await list().report(stuck(old, new Date(Date.now() - 40 * DAY).toISOString()));
    await list().report(stuck(recent, new Date(Date.now() - DAY).toISOString()));
    expect(await runInDurableObject(list(), (_list, state) => state.storage.getAlarm())).toBeLessThanOrEqual(Date.now() + 30 * DAY);

    await runInDurableObject(list(), (_list, state) => {
      state.storage.sql.exec("UPDATE stuck SET reported_at = ? WHERE order_id = ?", new Date(Date.now() - 30 * DAY - 1000).toISOString(), old);
    });
    expect(await runDurableObjectAlarm(list())).toBe(true);
    const left = (await call("GET", "/admin/orders/stuck?limit=500", undefined, ADMIN)).json.orders.map((order: { orderId: string }) => order.orderId);
    expect(left).toContain(recent);
    expect(left).not.toContain(old);
    expect(await runInDurableObject(list(), (_list, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 29 * DAY);
    await list().resolve(recent);
  });
});
