import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOrderBody } from "./fixtures/orders";
import { ADMIN_TOKEN, ROOT, startStack, type Stack } from "./stack";

// The one OpenAPI document for everything on the public host: Sales' routes and the admin
// routes it forwards, merged from each worker's generated document.
const table = readFileSync(path.join(ROOT, "docs/api.md"), "utf8");
const listed = [...table.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| ([^|]+) \|/gm)].map(([, method, route, who]) => ({
  method: method!.toLowerCase(),
  route: route!,
  admin: who!.trim() === "admin",
}));

let stack: Stack;
let document: any;
beforeAll(async () => {
  stack = await startStack();
  document = await (await fetch(`${stack.appUrl}/openapi.json`)).json();
});
afterAll(() => stack?.close());

describe("GET /openapi.json", () => {
  it("lists every route of docs/api.md, admin ones with the bearer scheme", () => {
    expect(listed.length).toBeGreaterThan(30);
    const missing = listed.filter(({ method, route }) => !document.paths[route]?.[method]).map(({ method, route }) => `${method} ${route}`);
    expect(missing).toEqual([]);
    const unsecured = listed.filter(({ method, route, admin }) => admin && !document.paths[route][method].security?.some((s: object) => "adminToken" in s));
    expect(unsecured).toEqual([]);
    expect(document.components.securitySchemes.adminToken).toEqual({ type: "http", scheme: "bearer" });
  });

  it("describes the responses real calls get, across the workers behind the edge", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...document, $id: "openapi" });
    const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

    const placed = await stack.placeOrder(placeOrderBody());
    const id = placed.body.id as string;
    const customer = { authorization: `Bearer ${placed.body.clientSecret}` };
    const calls: [string, string, string, Record<string, string>?][] = [
      ["get", `/orders/${id}`, "/orders/{id}"],
      ["get", `/orders/${id}`, "/orders/{id}", customer],
      ["get", `/orders/${id}`, "/orders/{id}", admin],
      ["post", `/orders/${id}/cancel`, "/orders/{id}/cancel"],
      ["get", `/orders/${id}/status`, "/orders/{id}/status"],
      ["get", "/products", "/products"],
      ["get", "/admin/orders/stuck", "/admin/orders/stuck", admin],
      ["get", "/admin/stock", "/admin/stock", admin],
      ["get", "/admin/reports/orders", "/admin/reports/orders", admin],
      ["get", "/admin/dead-letters", "/admin/dead-letters", admin],
      ["get", "/admin/webhooks/endpoints", "/admin/webhooks/endpoints", admin],
      ["get", `/admin/notifications/${id}`, "/admin/notifications/{orderId}", admin],
      ["get", "/orders/ord_00000000000000000000000000", "/orders/{id}"],
    ];
    const mismatches: string[] = [];
    const check = (method: string, route: string, status: number, contentType: string, body: unknown) => {
      const media = contentType.includes("problem+json") ? "application/problem+json" : "application/json";
      const ref = `openapi#/${pointer("paths", route, method, "responses", String(status), "content", media, "schema")}`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (!validate(body)) mismatches.push(`${method} ${route} ${status}: ${ajv.errorsText(validate.errors)}`);
    };
    check("post", "/orders", placed.status, "application/json", placed.body);
    for (const [method, url, route, headers] of calls) {
      const response = await fetch(`${stack.appUrl}${url}`, { method, ...(headers ? { headers } : {}) });
      check(method, route, response.status, response.headers.get("content-type") ?? "", await response.json());
    }
    expect(mismatches).toEqual([]);
  });
});
