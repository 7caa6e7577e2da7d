import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ada, placeOrderBody, springfield } from "../../../test/fixtures/orders";
import { tapped } from "../../../test/fixtures/tap";
import { ENTITY_KEY, type EntityRecord } from "../../../src/platform/entity";
import { encodeTime } from "ulidx";
import { orderObjectName, timeOfId } from "../../../src/platform/ids";
import { orderIdForKey } from "../place-order";
import { ADMIN, asCustomer, call, seedProduct } from "../test-helpers";

const e = env as SalesEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;
const orderCount = async () => (await listDurableObjectIds(e.ORDERS)).length;
/** The Order object an id reaches, as Sales and the workflow address it. */
const objectOf = (id: string) => e.ORDERS.get(e.ORDERS.idFromName(orderObjectName(id)));
/** Everything an Order object has stored: its keys and values, and its alarm. */
const storedIn = (id: string) =>
  runInDurableObject(objectOf(id), async (_instance, state) => ({ kv: [...state.storage.kv.list()], alarm: await state.storage.getAlarm() }));

beforeAll(async () => {
  await seedProduct("MUG-001", 1500);
  await seedProduct("TEE-001", 2500);
  await seedProduct("EURO-001", 1000, "EUR");
  await seedProduct("STICKER-010", 10);
  await seedProduct("PRINT-MAX", 99_999_999);
});

describe("POST /orders", () => {
  it("accepts an order, prices it from the catalog and answers 202 with its location", async () => {
    const res = await call("POST", "/orders", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 2 }, { sku: "TEE-001", quantity: 1 }] }));
    expect(res.status).toBe(202);
    expect(res.json.id).toMatch(/^ord_[0-9A-Z]{26}$/);
    expect(res.headers.get("location")).toBe(`/orders/${res.json.id}`);
    expect(res.json).toMatchObject({
      status: "placed",
      currency: "USD",
      subtotal: 5500,
      total: 5500,
      items: [
        { sku: "MUG-001", quantity: 2, unitPrice: 1500, lineTotal: 3000 },
        { sku: "TEE-001", quantity: 1, unitPrice: 2500, lineTotal: 2500 },
      ],
      links: { self: `/orders/${res.json.id}` },
    });
    expect(res.json.timeline).toEqual([expect.objectContaining({ status: "placed", eventType: "order.placed.v1", source: "/sales" })]);
    expect(JSON.stringify(res.json)).not.toContain(ada.email);
  });

  it("stores the order with its order.placed event in one record and publishes it to the billing queue", async () => {
    const res = await call("POST", "/orders", placeOrderBody());
    const [placed] = await tapped(tap, (m) => m.body.subject === res.json.id && m.body.type === "order.placed.v1");
    expect(placed?.queue).toBe("billing");
    const stub = objectOf(res.json.id);
    await runInDurableObject(stub, async (_instance, state) => {
      const record = state.storage.kv.get<EntityRecord<{ order: { timeline: { eventId: string }[] } }>>(ENTITY_KEY)!;
      expect(record.state!.order.timeline[0]!.eventId).toBe(placed!.body.id);
      // The order's one alarm: the check that its placement's events went out, then the watchdog.
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now());
      expect([...state.storage.kv.list()].map(([key]) => key)).toEqual([ENTITY_KEY]);
    });
  });

  it("gives every order a distinct, unguessable id", async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, async () => (await call("POST", "/orders", placeOrderBody())).json.id));
    expect(new Set(ids).size).toBe(5);
  });

  it("places the order at its id's time, so ids sort as orders were placed", async () => {
    const first = await call("POST", "/orders", placeOrderBody());
    await scheduler.wait(2);
    const second = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": crypto.randomUUID() });
    for (const placed of [first, second]) expect(placed.json.placedAt).toBe(new Date(timeOfId(placed.json.id)).toISOString());
    expect(first.json.id < second.json.id).toBe(true);
  });

  const huge = JSON.stringify(placeOrderBody({ customer: { ...ada, name: "x".repeat(70_000) } }));
  const cases: [string, unknown, Record<string, string>, number, string, string?][] = [
    ["no body at all", undefined, {}, 422, "validation-failed", "(root)"],
    ["malformed JSON", "{not json", {}, 400, "malformed-body"],
    ["a body over 64 KiB", huge, {}, 413, "body-too-large"],
    ["a non-JSON content type", JSON.stringify(placeOrderBody()), { "content-type": "text/plain" }, 415, "unsupported-media-type"],
    ["a space before the content type's parameters", JSON.stringify(placeOrderBody()), { "content-type": "application/json ; charset=utf-8" }, 415, "unsupported-media-type"],
    ["an unknown field", placeOrderBody({ coupon: "FREE" }), {}, 422, "validation-failed", "(root)"],
    ["a wrong type", placeOrderBody({ items: "MUG-001" }), {}, 422, "validation-failed", "items"],
    ["no items", placeOrderBody({ items: [] }), {}, 422, "validation-failed", "items"],
    ["101 items", placeOrderBody({ items: Array.from({ length: 101 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) }), {}, 422, "validation-failed", "items"],
    ["zero quantity", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 0 }] }), {}, 422, "validation-failed", "items.0.quantity"],
    ["negative quantity", placeOrderBody({ items: [{ sku: "MUG-001", quantity: -2 }] }), {}, 422, "validation-failed", "items.0.quantity"],
    ["fractional quantity", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1.5 }] }), {}, 422, "validation-failed", "items.0.quantity"],
    ["quantity over 1000", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1001 }] }), {}, 422, "validation-failed", "items.0.quantity"],
    ["a client-sent price", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1, unitPrice: 1 }] }), {}, 422, "validation-failed", "items.0"],
    ["the same SKU twice", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1 }, { sku: "MUG-001", quantity: 2 }] }), {}, 422, "validation-failed", "items.1.sku"],
    ["a bad email", placeOrderBody({ customer: { ...ada, email: "ada-at-example" } }), {}, 422, "validation-failed", "customer.email"],
    ["a phone not in E.164", placeOrderBody({ customer: { ...ada, phone: "415-555-0100" } }), {}, 422, "validation-failed", "customer.phone"],
    ["an unknown country", placeOrderBody({ shippingAddress: { ...springfield, country: "XX" } }), {}, 422, "validation-failed", "shippingAddress.country"],
    ["a lower-case country", placeOrderBody({ shippingAddress: { ...springfield, country: "us" } }), {}, 422, "validation-failed", "shippingAddress.country"],
    ["an unknown SKU", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1 }, { sku: "GHOST-001", quantity: 1 }] }), {}, 422, "unknown-sku", "items.1.sku"],
    ["items in two currencies", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 1 }, { sku: "EURO-001", quantity: 1 }] }), {}, 422, "mixed-currencies"],
    ["a control character in a name", placeOrderBody({ customer: { ...ada, name: "Ada\u0000Lovelace" } }), {}, 422, "validation-failed", "customer.name"],
    ["a line break in an address line", placeOrderBody({ shippingAddress: { ...springfield, line1: "1 Main St\nBcc: x" } }), {}, 422, "validation-failed", "shippingAddress.line1"],
    ["a total below Stripe's minimum charge", placeOrderBody({ items: [{ sku: "STICKER-010", quantity: 1 }] }), {}, 422, "amount-out-of-range", "items"],
    ["a total above Stripe's maximum charge (no 500 from an amount too large for an event)", placeOrderBody({ items: [{ sku: "PRINT-MAX", quantity: 1000 }] }), {}, 422, "amount-out-of-range", "items"],
    ["a bad payment method", placeOrderBody({ paymentMethod: "4242424242424242" }), {}, 422, "validation-failed", "paymentMethod"],
    ["an overlong Idempotency-Key", placeOrderBody(), { "idempotency-key": "k".repeat(256) }, 422, "validation-failed", "idempotency-key"],
  ];

  it.each(cases)("refuses %s with a problem and stores nothing", async (_case, body, headers, status, slug, path) => {
    const before = await orderCount();
    const res = await call("POST", "/orders", body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json).toMatchObject({ type: `/problems/${slug}`, status, instance: "/orders" });
    if (path) expect(res.json.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await orderCount()).toBe(before);
  });
});

describe("Idempotency-Key", () => {
  it("returns the same order and response for a retried request, creating one order", async () => {
    const key = crypto.randomUUID();
    const before = await orderCount();
    const first = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    const again = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await orderCount()).toBe(before + 1);
  });

  it("treats the same body with its keys in another order as the same request", async () => {
    const key = crypto.randomUUID();
    const first = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    const { items, shippingAddress, customer } = placeOrderBody();
    const reordered = await call("POST", "/orders", { shippingAddress, items, customer }, { "idempotency-key": key });
    expect(reordered.json.id).toBe(first.json.id);
  });

  it("creates one order when the same key arrives concurrently", async () => {
    const key = crypto.randomUUID();
    const before = await orderCount();
    const replies = await Promise.all(Array.from({ length: 5 }, () => call("POST", "/orders", placeOrderBody(), { "idempotency-key": key })));
    expect(new Set(replies.map((r) => r.json.id)).size).toBe(1);
    expect(replies.every((r) => r.status === 202)).toBe(true);
    expect(await orderCount()).toBe(before + 1);
  });

  it("refuses the same key with a different body, changing nothing", async () => {
    const key = crypto.randomUUID();
    const first = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    const before = await orderCount();
    const other = await call("POST", "/orders", placeOrderBody({ items: [{ sku: "MUG-001", quantity: 3 }] }), { "idempotency-key": key });
    expect(other.status).toBe(422);
    expect(other.json.type).toBe("/problems/idempotency-key-reused");
    expect(await orderCount()).toBe(before);
    const view = await call("GET", `/orders/${first.json.id}`);
    expect(view.json.items[0].quantity).toBe(2);
  });

  it("does not save a request that failed validation, so the key stays usable", async () => {
    const key = crypto.randomUUID();
    const bad = await call("POST", "/orders", placeOrderBody({ items: [{ sku: "GHOST-001", quantity: 1 }] }), { "idempotency-key": key });
    expect(bad.status).toBe(422);
    const good = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    expect(good.status).toBe(202);
  });

  describe("a retry at a later time", () => {
    afterEach(() => vi.useRealTimers());

    it("gets the first try's id, though the id it would make now has another time part", async () => {
      const key = crypto.randomUUID();
      const before = await orderCount();
      const first = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
      const dayLater = timeOfId(first.json.id) + 86_400_000;
      vi.useFakeTimers({ toFake: ["Date"], now: dayLater });
      const later = await orderIdForKey(key);
      expect(later).not.toBe(first.json.id);
      expect(orderObjectName(later)).toBe(orderObjectName(first.json.id));
      const again = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
      vi.useRealTimers();
      expect(again.status).toBe(202);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.json.id).toBe(first.json.id);
      expect(again.headers.get("location")).toBe(`/orders/${first.json.id}`);
      expect(again.text).toBe(first.text);
      expect(await orderCount()).toBe(before + 1);
    });
  });

  it("keeps naming the same order with a key, so a retry finds it however late it comes", async () => {
    const key = crypto.randomUUID();
    const first = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    expect((await call("POST", `/orders/${first.json.id}/cancel`, undefined, asCustomer(first.json.clientSecret))).status).toBe(202);
    const again = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": key });
    // The response of the first try, not the order as it is now.
    expect(again.text).toBe(first.text);
    expect(again.json.status).toBe("placed");
    expect((await call("GET", `/orders/${first.json.id}`)).json.status).toBe("cancelled");
  });
});

describe("response headers", () => {
  it("forbid content sniffing on every answer, and caching of what an admin sees", async () => {
    const placed = await call("POST", "/orders", placeOrderBody({}), { "content-type": "application/json; charset=utf-8" });
    expect(placed.status).toBe(202);
    const answers = [placed, await call("GET", `/orders/${placed.json.id}`), await call("GET", "/orders/not-an-id"), await call("GET", `/orders/${placed.json.id}`, undefined, ADMIN), await call("GET", "/admin/orders/stuck", undefined, ADMIN)];
    for (const answer of answers) expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answers.map((answer) => answer.headers.get("cache-control"))).toEqual([null, null, null, "no-store", "no-store"]);
  });
});

describe("GET /orders/:id", () => {
  it("shows the public view without contact data", async () => {
    const placed = await call("POST", "/orders", placeOrderBody());
    const res = await call("GET", `/orders/${placed.json.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: placed.json.id, status: "placed", total: 3000 });
    for (const secret of [ada.email, ada.phone, ada.name, springfield.line1]) expect(res.text).not.toContain(secret);
  });

  it("shows customer, address and references to an admin", async () => {
    const placed = await call("POST", "/orders", placeOrderBody());
    const res = await call("GET", `/orders/${placed.json.id}`, undefined, ADMIN);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ customer: ada, shippingAddress: springfield, version: 1 });
    expect(res.json.customerId).toMatch(/^cus_[0-9a-f]{24}$/);
  });

  it("refuses a wrong admin token instead of silently showing the public view", async () => {
    const placed = await call("POST", "/orders", placeOrderBody());
    const res = await call("GET", `/orders/${placed.json.id}`, undefined, { authorization: "Bearer guess" });
    expect(res.status).toBe(401);
  });

  it("answers an unknown, well-formed id without writing anything to the object it names", async () => {
    const id = "ord_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    expect((await call("GET", `/orders/${id}`)).status).toBe(404);
    await runInDurableObject(objectOf(id), async (_instance, state) => {
      expect([...state.storage.kv.list()]).toEqual([]);
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((t) => t.name);
      // Only the runtime's own bookkeeping (the local runtime's table of object names, the hidden KV table): no table of ours.
      expect(tables.filter((name) => !name.startsWith("_cf_") && !name.startsWith("__"))).toEqual([]);
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("never answers a new order with the order whose object its id's random part names", async () => {
    const placed = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": crypto.randomUUID() });
    const stored = await storedIn(placed.json.id);
    const draft = { ...placed.json, orderId: `ord_${encodeTime(Date.now(), 10)}${placed.json.id.slice(-16)}`, lines: placed.json.items };
    // An unkeyed placement (no fingerprint) landing on a taken object is told so, and changes nothing there.
    expect(await objectOf(placed.json.id).place(draft)).toEqual({ kind: "taken" });
    expect(await storedIn(placed.json.id)).toEqual(stored);
  });

  it("answers 404 for an id with an order's random part and another time part, writing nothing", async () => {
    const placed = await call("POST", "/orders", placeOrderBody(), { "idempotency-key": crypto.randomUUID() });
    const id: string = placed.json.id;
    // The same object (its name is the random part), but no order: only the id it stores names one.
    const other = `ord_${encodeTime(timeOfId(id) - 60_000, 10)}${id.slice(-16)}`;
    expect(orderObjectName(other)).toBe(orderObjectName(id));
    const stored = await storedIn(id);
    expect((await call("GET", `/orders/${other}`)).status).toBe(404);
    expect((await call("GET", `/orders/${other}`, undefined, ADMIN)).status).toBe(404);
    expect((await call("GET", `/orders/${other}/status`)).status).toBe(404);
    expect((await call("POST", `/orders/${other}/cancel`, undefined, ADMIN)).status).toBe(404);
    expect(await storedIn(id)).toEqual(stored);
    expect((await call("GET", `/orders/${id}`)).json).toMatchObject({ id, status: "placed" });
  });

  it.each(["ord_00000000000000000000000000", "not-an-id", "ord_lowercase0000000000000000"])("answers 404 for %s", async (id) => {
    const res = await call("GET", `/orders/${id}`);
    expect(res.status).toBe(404);
    expect(res.json.type).toBe("/problems/order-not-found");
  });
});
