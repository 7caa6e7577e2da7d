import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { placeOrderBody } from "../../../test/fixtures/orders";
import { ADMIN, call, seedProduct } from "../test-helpers";
import { TEST_RATE_LIMITS } from "../test-rate-limits";

// Runs in the sales-rate-limits project: Sales' real [[ratelimits]] bindings with the small
// limits of TEST_RATE_LIMITS, enforced by the local binding.
const e = env as SalesEnv;
const { ORDERS_PER_IP, ORDERS_PER_CUSTOMER, ADMIN_PER_IP } = TEST_RATE_LIMITS;
const from = (ip: string, headers: Record<string, string> = {}) => ({ "cf-connecting-ip": ip, ...headers });
const customer = (email: string, phone?: string) => ({ name: "Ada Lovelace", email, ...(phone ? { phone } : {}) });
const orderCount = async () => (await listDurableObjectIds(e.ORDERS)).length;

function expectRateLimited(res: Awaited<ReturnType<typeof call>>, detail: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("retry-after")).toBe("60");
  expect(res.json).toMatchObject({ type: "/problems/rate-limited", status: 429, detail: expect.stringContaining(detail) });
}

beforeAll(async () => {
  await seedProduct("MUG-001", 1500);
});

// The local limiter counts per wall-clock minute: start each test well inside one, so that no
// window ends between its requests and resets the count.
beforeEach(async () => {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}, 10_000);

describe("POST /orders per client address", () => {
  it("answers 429 problem+json with Retry-After past the limit, invalid attempts counted, and stores nothing", async () => {
    for (let i = 0; i < ORDERS_PER_IP - 1; i++) expect((await call("POST", "/orders", {}, from("198.51.100.1"))).status).toBe(422);
    expect((await call("POST", "/orders", placeOrderBody({ customer: customer("ip-1@example.com") }), from("198.51.100.1"))).status).toBe(202);
    const before = await orderCount();

    const refused = await call("POST", "/orders", placeOrderBody({ customer: customer("ip-2@example.com") }), from("198.51.100.1"));
    expectRateLimited(refused, "orders from this address");
    expect(await orderCount()).toBe(before);
    // Another address is not held up.
    expect((await call("POST", "/orders", placeOrderBody({ customer: customer("ip-3@example.com") }), from("198.51.100.2"))).status).toBe(202);
  });
});

describe("POST /orders per customer", () => {
  it("refuses a customer's next order past the limit from any address, whatever the case of the email", async () => {
    for (let i = 0; i < ORDERS_PER_CUSTOMER; i++) {
      expect((await call("POST", "/orders", placeOrderBody({ customer: customer("grace@example.com") }), from(`198.51.100.${10 + i}`))).status).toBe(202);
    }
    const refused = await call("POST", "/orders", placeOrderBody({ customer: customer("Grace@Example.COM") }), from("198.51.100.30"));
    expectRateLimited(refused, "orders for this customer");
    expect((await call("POST", "/orders", placeOrderBody({ customer: customer("hopper@example.com") }), from("198.51.100.30"))).status).toBe(202);
  });

  it("counts the phone number on its own: new emails with the same phone are refused too", async () => {
    for (let i = 0; i < ORDERS_PER_CUSTOMER; i++) {
      const res = await call("POST", "/orders", placeOrderBody({ customer: customer(`phone-${i}@example.com`, "+14155550199") }), from(`198.51.100.${40 + i}`));
      expect(res.status).toBe(202);
    }
    const refused = await call("POST", "/orders", placeOrderBody({ customer: customer("phone-new@example.com", "+14155550199") }), from("198.51.100.50"));
    expectRateLimited(refused, "orders for this customer");
  });
});

describe("the admin API per client address", () => {
  it("counts every request before the token is checked, forwarded ones too, so guessing the token is stopped", async () => {
    for (let i = 0; i < ADMIN_PER_IP; i++) {
      const res = await call("GET", "/admin/orders/stuck", undefined, from("203.0.113.7", { authorization: `Bearer guess-${i}` }));
      expect(res.status).toBe(401);
    }
    // The right token now waits as well, here and on an API Sales forwards (which is not reached).
    expectRateLimited(await call("GET", "/admin/orders/stuck", undefined, from("203.0.113.7", ADMIN)), "admin requests from this address");
    const forwarded = await call("GET", "/admin/stock", undefined, from("203.0.113.7", ADMIN));
    expectRateLimited(forwarded, "admin requests from this address");
    expect(forwarded.json.forwardedTo).toBeUndefined();
    expect((await call("GET", "/admin/orders/stuck", undefined, from("203.0.113.8", ADMIN))).status).toBe(200);
  });

  it("documents the 429 on POST /orders and on admin operations", async () => {
    const { paths } = (await call("GET", "/openapi.json")).json;
    expect(paths["/orders"].post.responses["429"].headers["Retry-After"]).toBeDefined();
    expect(paths["/admin/orders/stuck"].get.responses["429"].headers["Retry-After"]).toBeDefined();
  });
});
