import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ada, placeOrderBody, springfield } from "../../../test/fixtures/orders";
import { tapped } from "../../../test/fixtures/tap";
import worker from "../index";
import { ADMIN, asCustomer, call, seedProduct } from "../test-helpers";

const e = env as SalesEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;

async function place(headers: Record<string, string> = {}) {
  const res = await call("POST", "/orders", placeOrderBody(), headers);
  expect(res.status).toBe(202);
  return { id: res.json.id as string, clientSecret: res.json.clientSecret as string, res };
}
const statusOf = async (id: string) => (await call("GET", `/orders/${id}`, undefined, ADMIN)).json;

beforeAll(() => seedProduct("MUG-001", 1500));

describe("the client secret handed out at placement", () => {
  it("names its order, is unguessable, and comes back unchanged on an idempotent replay", async () => {
    const key = crypto.randomUUID();
    const first = await place({ "idempotency-key": key });
    expect(first.clientSecret).toMatch(new RegExp(`^${first.id}_secret_[A-Za-z0-9_-]{43}$`));
    const replay = await place({ "idempotency-key": key });
    expect(replay.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.clientSecret).toBe(first.clientSecret);
    expect((await place()).clientSecret).not.toBe(first.clientSecret);
  });

  it("travels in no event: order.placed, which reaches texts, webhooks and the lake, does not carry it", async () => {
    const { id, clientSecret } = await place();
    const [placed] = await tapped(tap, (m) => m.body.subject === id && m.body.type === "order.placed.v1");
    expect(placed).toBeDefined();
    expect(JSON.stringify(placed)).not.toContain(clientSecret.slice(`${id}_secret_`.length));
  });

  it("takes no order while ORDER_SECRET_KEY is unset: 503, nothing stored", async () => {
    const before = (await listDurableObjectIds(e.ORDERS)).length;
    const request = new Request("https://shop.example.com/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(placeOrderBody()),
    }) as Request<unknown, IncomingRequestCfProperties>;
    const res = await worker.fetch(request, { ...e, ORDER_SECRET_KEY: "" }, { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ type: "/problems/orders-disabled" });
    expect((await listDurableObjectIds(e.ORDERS)).length).toBe(before);
  });
});

describe("POST /orders/:id/cancel needs the order's secret or the admin token", () => {
  it("refuses a caller with only the id (401 problem+json) and changes nothing", async () => {
    const { id } = await place();
    const res = await call("POST", `/orders/${id}/cancel`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json).toMatchObject({ type: "/problems/unauthorized", status: 401 });
    expect(await statusOf(id)).toMatchObject({ status: "placed", timeline: [expect.objectContaining({ status: "placed" })] });
  });

  it("refuses another order's secret, and a made-up one, changing nothing", async () => {
    const { id } = await place();
    const other = await place();
    for (const secret of [other.clientSecret, `${id}_secret_${"A".repeat(43)}`]) {
      expect((await call("POST", `/orders/${id}/cancel`, undefined, asCustomer(secret))).status).toBe(401);
    }
    expect((await statusOf(id)).status).toBe("placed");
  });

  it("cancels with the order's own secret", async () => {
    const { id, clientSecret } = await place();
    const res = await call("POST", `/orders/${id}/cancel`, undefined, asCustomer(clientSecret));
    expect(res.status).toBe(202);
    expect(res.json.status).toBe("cancelled");
  });

  it("lets an admin cancel any order", async () => {
    const { id } = await place();
    expect((await call("POST", `/orders/${id}/cancel`, undefined, ADMIN)).status).toBe(202);
    expect((await statusOf(id)).status).toBe("cancelled");
  });
});

describe("GET /orders/:id by who asks", () => {
  it("shows anyone the order without contact data, its customer their own details, an admin everything", async () => {
    const { id, clientSecret } = await place();

    const anyone = (await call("GET", `/orders/${id}`)).json;
    expect(anyone).toMatchObject({ id, status: "placed" });
    expect(JSON.stringify(anyone)).not.toContain(ada.email);
    expect(anyone.customer).toBeUndefined();

    const customer = await call("GET", `/orders/${id}`, undefined, asCustomer(clientSecret));
    expect(customer.status).toBe(200);
    expect(customer.json).toMatchObject({ id, customer: ada, shippingAddress: springfield });
    expect(customer.json.customerId).toBeUndefined();
    expect(customer.json.version).toBeUndefined();
    expect(customer.headers.get("cache-control")).toBe("no-store");

    const admin = (await call("GET", `/orders/${id}`, undefined, ADMIN)).json;
    expect(admin).toMatchObject({ id, customer: ada, customerId: expect.stringMatching(/^cus_/), version: 1 });
  });

  it("answers a wrong secret with 401, not with the public view", async () => {
    const { id } = await place();
    const other = await place();
    const res = await call("GET", `/orders/${id}`, undefined, asCustomer(other.clientSecret));
    expect(res.status).toBe(401);
    expect(res.json.type).toBe("/problems/unauthorized");
  });
});
