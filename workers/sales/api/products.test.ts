import { describe, expect, it } from "vitest";
import { ADMIN, call } from "../test-helpers";

describe("catalog API", () => {
  it("creates, updates and lists products", async () => {
    const created = await call("PUT", "/admin/products/LAMP-001", { name: "Desk lamp", price: 4500, currency: "EUR" }, ADMIN);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ sku: "LAMP-001", name: "Desk lamp", price: 4500, currency: "EUR" });

    const updated = await call("PUT", "/admin/products/LAMP-001", { name: "Desk lamp", price: 3900, currency: "EUR" }, ADMIN);
    expect(updated.status).toBe(200);

    const list = await call("GET", "/products");
    expect(list.json.products).toContainEqual(expect.objectContaining({ sku: "LAMP-001", price: 3900 }));
  });

  it("refuses changes without the admin token, before looking at the body", async () => {
    const none = await call("PUT", "/admin/products/LAMP-002", { name: "x", price: 1, currency: "EUR" });
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    const wrong = await call("PUT", "/admin/products/LAMP-002", "{not json", { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    const list = await call("GET", "/products");
    expect(list.json.products.map((p: { sku: string }) => p.sku)).not.toContain("LAMP-002");
  });

  it.each([
    ["negative price", { name: "x", price: -1, currency: "EUR" }, "price"],
    ["fractional price", { name: "x", price: 1.5, currency: "EUR" }, "price"],
    ["lower-case currency", { name: "x", price: 1, currency: "eur" }, "currency"],
    ["unknown field", { name: "x", price: 1, currency: "EUR", colour: "red" }, "(root)"],
  ])("rejects a product with %s", async (_case, body, path) => {
    const res = await call("PUT", "/admin/products/LAMP-003", body, ADMIN);
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("rejects a malformed SKU in the path", async () => {
    const res = await call("PUT", "/admin/products/lamp%20one", { name: "x", price: 1, currency: "EUR" }, ADMIN);
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe("sku");
  });
});

describe("API documents", () => {
  it("serves a generated OpenAPI 3.1 document covering the order and catalog routes", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe("3.1.0");
    expect(Object.keys(res.json.paths)).toEqual(expect.arrayContaining(["/orders", "/orders/{id}", "/products", "/admin/products/{sku}"]));
    expect(res.json.paths["/orders"].post.responses["202"]).toBeDefined();
    expect(res.json.components.schemas.PlaceOrderRequest).toBeDefined();
  });

  it("serves the event catalogue as an AsyncAPI 3.0 document", async () => {
    const res = await call("GET", "/asyncapi.json");
    expect(res.status).toBe(200);
    expect(res.json.asyncapi).toBe("3.0.0");
    expect(res.json.channels.billing.messages["order.placed.v1"]).toEqual({ $ref: "#/components/messages/order.placed.v1" });
    expect(res.json.components.messages["order.placed.v1"].payload.properties.data.properties.orderId).toBeDefined();
  });

  it("serves an interactive docs page", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.text).toContain("/openapi.json");
  });

  it("answers unknown routes with a problem", async () => {
    const res = await call("GET", "/nowhere");
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ type: "/problems/not-found", status: 404 });
  });
});

describe("admin gateway", () => {
  it("forwards Warehouse's stock API with the caller's credentials and body", async () => {
    const res = await call("PUT", "/admin/stock/MUG-001", { available: 5 }, ADMIN);
    expect(res.json).toEqual({
      forwardedTo: "warehouse",
      method: "PUT",
      path: "/admin/stock/MUG-001",
      authorization: ADMIN.authorization,
      body: JSON.stringify({ available: 5 }),
    });
  });

  it.each(["/admin/webhooks/endpoints", "/admin/notifications/ord_01JDV3K9Q8ZP4M7T2X6C5B1N0R"])("forwards %s to Integrations", async (path) => {
    const res = await call("GET", path, undefined, ADMIN);
    expect(res.json).toMatchObject({ forwardedTo: "integrations", method: "GET", path, authorization: ADMIN.authorization });
  });

  it("forwards the dead-letter API to the dead-letters worker", async () => {
    const res = await call("GET", "/admin/dead-letters?queue=billing", undefined, ADMIN);
    expect(res.json).toMatchObject({ forwardedTo: "dead-letters", method: "GET", path: "/admin/dead-letters" });
  });
});
