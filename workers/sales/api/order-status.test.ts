import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { placeOrderBody } from "../../../test/fixtures/orders";
import { ADMIN, call, seedProduct } from "../test-helpers";

const e = env as SalesEnv;

beforeAll(() => seedProduct("MUG-001", 1500));

/** Sets what the projection (a stand-in, see vitest.config.ts) says about an order. */
const project = (id: string, view: object) => e.PROJECTIONS.fetch(`https://projections/orders/${id}/status`, { method: "PUT", body: JSON.stringify(view) });
const viewOf = (id: string, status: string, version: number) => ({ id, status, version, updatedAt: "2026-11-27T12:00:03.000Z", timeline: [{ status, at: "2026-11-27T12:00:03.000Z" }] });

describe("GET /orders/:id/status", () => {
  it("serves the status the projection has, without asking the order, and follows it as it changes", async () => {
    const id = (await call("POST", "/orders", placeOrderBody())).json.id as string;
    await project(id, viewOf(id, "billed", 2));
    const res = await call("GET", `/orders/${id}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-status-source")).toBe("cache");
    expect(res.json).toEqual(viewOf(id, "billed", 2));
    await project(id, viewOf(id, "ready_to_ship", 3));
    expect((await call("GET", `/orders/${id}/status`)).json).toEqual(viewOf(id, "ready_to_ship", 3));
  });

  it("keeps a terminal status at the edge, so later reads do not reach the projection", async () => {
    const id = (await call("POST", "/orders", placeOrderBody())).json.id as string;
    await project(id, viewOf(id, "cancelled", 2));
    expect((await call("GET", `/orders/${id}/status`)).json).toMatchObject({ status: "cancelled" });
    await project(id, { fail: true });
    await vi.waitFor(async () => {
      const res = await call("GET", `/orders/${id}/status`);
      expect(res.headers.get("x-status-source")).toBe("cache");
      expect(res.json).toEqual(viewOf(id, "cancelled", 2));
    });
  });

  it("asks the order when the projection cannot answer", async () => {
    const placed = (await call("POST", "/orders", placeOrderBody())).json;
    await project(placed.id, { fail: true });
    const res = await call("GET", `/orders/${placed.id}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-status-source")).toBe("order");
    expect(res.json).toMatchObject({ id: placed.id, status: "placed", version: 1 });
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
