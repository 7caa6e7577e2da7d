import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { orderStatusKey } from "../../../src/contracts/order-status";
import { placeOrderBody } from "../../../test/fixtures/orders";
import { ADMIN, call, seedProduct } from "../test-helpers";

const e = env as SalesEnv;

beforeAll(() => seedProduct("MUG-001", 1500));

describe("GET /orders/:id/status", () => {
  it("serves the status the projection cached, without asking the order", async () => {
    const id = (await call("POST", "/orders", placeOrderBody())).json.id as string;
    const cached = { id, status: "ready_to_ship", version: 3, updatedAt: "2026-11-27T12:00:03.000Z", timeline: [] };
    await e.ORDER_STATUS.put(orderStatusKey(id), JSON.stringify(cached));
    const res = await call("GET", `/orders/${id}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-status-source")).toBe("cache");
    expect(res.json).toEqual(cached);
  });

  it("falls back to the order itself until the projection has cached it", async () => {
    const placed = (await call("POST", "/orders", placeOrderBody())).json;
    const res = await call("GET", `/orders/${placed.id}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-status-source")).toBe("order");
    expect(res.json).toEqual({ id: placed.id, status: "placed", version: 1, updatedAt: placed.updatedAt, timeline: [{ status: "placed", at: placed.placedAt }] });
    expect(JSON.stringify(res.json)).not.toContain("ada@example.com");
  });

  it("answers 404 for an order that does not exist or a malformed id", async () => {
    expect((await call("GET", "/orders/ord_01JDV3K9Q8ZP4M7T2X6C5B1N0R/status")).status).toBe(404);
    const res = await call("GET", "/orders/not-an-id/status");
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ type: "/problems/order-not-found" });
  });
});

describe("admin gateway to projections", () => {
  it.each(["/admin/reports/orders?status=placed", "/admin/lake/objects"])("forwards %s with the caller's credentials", async (path) => {
    const res = await call("GET", path, undefined, ADMIN);
    expect(res.json).toMatchObject({ forwardedTo: "projections", method: "GET", path: path.split("?")[0], authorization: ADMIN.authorization });
  });
});
