import { beforeAll, describe, expect, it } from "vitest";
import { flowSummary } from "./flow";
import { listOrders, salesPerDay, stageLatency, topSkus } from "./reports";
import { admin, deliver, e, orderStory, type Story } from "./test-helpers";

// A known week-end of orders, on days no other test file uses.
const day1 = (time: string) => new Date(`2025-06-01T${time}Z`);
const day2 = (time: string) => new Date(`2025-06-02T${time}Z`);
const RANGE = "from=2025-06-01&to=2025-06-02";

let a: Story, b: Story, c: Story, d: Story, eOrder: Story, f: Story;

beforeAll(async () => {
  a = orderStory({
    placedAt: day1("09:00:00.000"),
    customerId: "cus_rep_alice",
    lines: [
      { sku: "MUG-001", quantity: 2, unitPrice: 1500 },
      { sku: "TEE-001", quantity: 1, unitPrice: 2500 },
    ],
    billedAfterMs: 60_000,
    readyAfterMs: 120_000,
  });
  b = orderStory({ placedAt: day1("10:00:00.000"), customerId: "cus_rep_bob", lines: [{ sku: "MUG-001", quantity: 1, unitPrice: 1500 }], billedAfterMs: 30_000, readyAfterMs: 600_000 });
  c = orderStory({
    placedAt: day1("11:00:00.000"),
    customerId: "cus_rep_alice",
    currency: "EUR",
    lines: [{ sku: "BOOK-001", quantity: 1, unitPrice: 3900 }],
    billedAfterMs: 90_000,
    readyAfterMs: null,
  });
  d = orderStory({ placedAt: day1("12:00:00.000"), customerId: "cus_rep_bob", lines: [{ sku: "MUG-001", quantity: 5, unitPrice: 1500 }], declined: true });
  eOrder = orderStory({ placedAt: day2("08:00:00.000"), customerId: "cus_rep_carol", lines: [{ sku: "TEE-001", quantity: 4, unitPrice: 2500 }], billedAfterMs: 10_000, readyAfterMs: 20_000 });
  f = orderStory({ placedAt: day2("09:00:00.000"), customerId: "cus_rep_carol", lines: [{ sku: "MUG-001", quantity: 1, unitPrice: 1500 }], billedAfterMs: 5_000, cancelledAfterMs: 60_000 });
  // All of it in one batch, newest events first: the reports may not depend on arrival order.
  await deliver([a, b, c, d, eOrder, f].flatMap((story) => story.events).reverse());
});

describe("GET /admin/reports/orders", () => {
  it("lists the orders of a date range, newest first, with their status and stage times", async () => {
    const res = await admin(`/admin/reports/orders?${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([f, eOrder, d, c, b, a].map((s) => s.orderId));
    expect(res.json.orders.map((o: { status: string }) => o.status)).toEqual(["cancelled", "ready_to_ship", "billing_failed", "billed", "ready_to_ship", "ready_to_ship"]);
    expect(res.json.orders.at(-1)).toEqual({
      orderId: a.orderId,
      status: "ready_to_ship",
      version: 3,
      customerId: "cus_rep_alice",
      currency: "USD",
      subtotal: 5500,
      total: 5500,
      lineCount: 2,
      units: 3,
      placedAt: "2025-06-01T09:00:00.000Z",
      billedAt: "2025-06-01T09:01:00.000Z",
      billedAmount: 5500,
      readyAt: "2025-06-01T09:03:00.000Z",
      billingFailedAt: null,
      stockUnavailableAt: null,
      refundedAt: null,
      refundedAmount: null,
      cancelledAt: null,
    });
    expect(res.json.orders[0]).toMatchObject({ refundedAmount: 1500, cancelledAt: "2025-06-02T09:01:05.000Z" });
    expect(res.json.nextCursor).toBeUndefined();
  });

  it("filters by status and by customer", async () => {
    const ready = await admin(`/admin/reports/orders?${RANGE}&status=ready_to_ship`);
    expect(ready.json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([eOrder, b, a].map((s) => s.orderId));
    const alice = await admin("/admin/reports/orders?customer=cus_rep_alice");
    expect(alice.json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([c, a].map((s) => s.orderId));
    const bobFailed = await admin("/admin/reports/orders?customer=cus_rep_bob&status=billing_failed");
    expect(bobFailed.json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([d.orderId]);
  });

  it("pages with a cursor, every order exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await admin(`/admin/reports/orders?${RANGE}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.orders.map((o: { orderId: string }) => o.orderId));
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([f, eOrder, d, c, b, a].map((s) => s.orderId));
  });

  it.each([
    ["status=shipped", "status"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["from=2025-13-01", "from"],
    ["from=2025-06-03&to=2025-06-01", "from"],
    ["customer=a%20b", "customer"],
    ["cursor=not-a-cursor", "cursor"],
  ])("refuses %s, naming the field", async (query, field) => {
    const res = await admin(`/admin/reports/orders?${query}`);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.errors.map((error: { path: string }) => error.path)).toContain(field);
  });
});

describe("orders placed around midnight (ranges of order ids, which carry the placing time)", () => {
  const at = (time: string) => new Date(`2025-07-${time}Z`);
  const ids = (res: { json: { orders: { orderId: string }[] } }) => res.json.orders.map((o) => o.orderId);
  let dayBefore: Story, first: Story, noon: Story, last: Story, dayAfter: Story;

  beforeAll(async () => {
    dayBefore = orderStory({ placedAt: at("14T23:59:59.999"), customerId: "cus_midnight" });
    first = orderStory({ placedAt: at("15T00:00:00.000"), customerId: "cus_midnight" });
    noon = orderStory({ placedAt: at("15T12:00:00.000"), customerId: "cus_midnight" });
    last = orderStory({ placedAt: at("15T23:59:59.999"), customerId: "cus_midnight" });
    dayAfter = orderStory({ placedAt: at("16T00:00:00.000"), customerId: "cus_midnight" });
    await deliver([noon, dayAfter, first, last, dayBefore].flatMap((story) => story.events));
  });

  it("gives a day exactly its orders, from 00:00:00.000 to 23:59:59.999", async () => {
    expect(ids(await admin("/admin/reports/orders?from=2025-07-15&to=2025-07-15"))).toEqual([last, noon, first].map((s) => s.orderId));
    expect(ids(await admin("/admin/reports/orders?from=2025-07-14&to=2025-07-14"))).toEqual([dayBefore.orderId]);
    expect(ids(await admin("/admin/reports/orders?from=2025-07-16&to=2025-07-16"))).toEqual([dayAfter.orderId]);
    const days = (await admin("/admin/reports/sales-per-day?from=2025-07-14&to=2025-07-16")).json.days;
    expect(days.map((d: { day: string; orders: number }) => [d.day, d.orders])).toEqual([["2025-07-14", 1], ["2025-07-15", 3], ["2025-07-16", 1]]);
  });

  it("lists them newest first across page boundaries, following the cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await admin(`/admin/reports/orders?customer=cus_midnight&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.json.orders.length).toBeLessThanOrEqual(2);
      seen.push(...ids(res));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([dayAfter, last, noon, first, dayBefore].map((s) => s.orderId));
    const page = await admin("/admin/reports/orders?from=2025-07-15&to=2025-07-15&limit=2");
    expect(ids(page)).toEqual([last, noon].map((s) => s.orderId));
    expect(ids(await admin(`/admin/reports/orders?from=2025-07-15&to=2025-07-15&limit=2&cursor=${page.json.nextCursor}`))).toEqual([first.orderId]);
  });

  it("reads a range of the primary key for every report, never the whole table", async () => {
    // Each report's statements, run against the real D1 and recorded, then explained.
    const statements: { sql: string; params: unknown[] }[] = [];
    const db = {
      prepare: (sql: string) => ({
        bind: (...params: unknown[]) => {
          statements.push({ sql, params });
          return e.REPORTING.prepare(sql).bind(...params);
        },
      }),
    } as unknown as D1Database;
    const range = { from: "2025-07-15", to: "2025-07-15" };
    const BOTH_ENDS = "USING PRIMARY KEY (order_id>? AND order_id<?)";
    const reports: [() => Promise<unknown>, string][] = [
      [() => listOrders(db, { range, limit: 2 }), BOTH_ENDS],
      [() => listOrders(db, { range, status: "placed", customer: "cus_midnight", limit: 2, after: last.orderId }), BOTH_ENDS],
      // A page after the first without a date range: from the cursor down.
      [() => listOrders(db, { limit: 2, after: last.orderId }), "USING PRIMARY KEY (order_id<?)"],
      [() => salesPerDay(db, range), BOTH_ENDS],
      [() => stageLatency(db, range), BOTH_ENDS],
      [() => topSkus(db, range, 10), BOTH_ENDS],
      [() => flowSummary(db, 60), BOTH_ENDS],
    ];
    for (const [run, expected] of reports) {
      statements.length = 0;
      await run();
      expect(statements.length).toBeGreaterThan(0);
      for (const { sql, params } of statements) {
        const { results } = await e.REPORTING.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...params).all<{ detail: string }>();
        const reads = results.map((row) => row.detail).filter((detail) => /\b(SCAN|SEARCH) (orders|o)\b/.test(detail));
        expect(reads.length, sql).toBeGreaterThan(0);
        for (const read of reads) expect(read.replace(/^SEARCH o /, "SEARCH orders "), sql).toBe(`SEARCH orders ${expected}`);
      }
    }
  });
});

describe("GET /admin/reports/sales-per-day", () => {
  it("counts orders and revenue per day and currency; revenue is billed minus refunded", async () => {
    const res = await admin(`/admin/reports/sales-per-day?${RANGE}`);
    expect(res.json.days).toEqual([
      { day: "2025-06-01", currency: "EUR", orders: 1, gross: 3900, billedOrders: 1, billed: 3900, refunded: 0, revenue: 3900 },
      { day: "2025-06-01", currency: "USD", orders: 3, gross: 14500, billedOrders: 2, billed: 7000, refunded: 0, revenue: 7000 },
      { day: "2025-06-02", currency: "USD", orders: 2, gross: 11500, billedOrders: 2, billed: 11500, refunded: 1500, revenue: 10000 },
    ]);
  });

  it("refuses a range longer than a year", async () => {
    const res = await admin("/admin/reports/sales-per-day?from=2024-01-01&to=2025-06-02");
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: "from", message: "the range may span at most 366 days" }]);
  });
});

describe("GET /admin/reports/stage-latency", () => {
  it("gives p50 and p95 of each stage per placed day", async () => {
    const res = await admin(`/admin/reports/stage-latency?${RANGE}`);
    expect(res.json.days).toEqual([
      { day: "2025-06-01", stage: "billed_to_ready_to_ship", orders: 2, p50Ms: 120_000, p95Ms: 600_000 },
      { day: "2025-06-01", stage: "placed_to_billed", orders: 3, p50Ms: 60_000, p95Ms: 90_000 },
      { day: "2025-06-01", stage: "placed_to_ready_to_ship", orders: 2, p50Ms: 180_000, p95Ms: 630_000 },
      { day: "2025-06-02", stage: "billed_to_ready_to_ship", orders: 1, p50Ms: 20_000, p95Ms: 20_000 },
      { day: "2025-06-02", stage: "placed_to_billed", orders: 2, p50Ms: 5_000, p95Ms: 10_000 },
      { day: "2025-06-02", stage: "placed_to_ready_to_ship", orders: 1, p50Ms: 30_000, p95Ms: 30_000 },
    ]);
  });
});

describe("GET /admin/reports/top-skus", () => {
  it("ranks SKUs by units sold, leaving out declined and cancelled orders", async () => {
    const res = await admin(`/admin/reports/top-skus?${RANGE}`);
    expect(res.json.skus).toEqual([
      { sku: "TEE-001", name: "Product TEE-001", currency: "USD", units: 5, revenue: 12_500, orders: 2 },
      { sku: "MUG-001", name: "Product MUG-001", currency: "USD", units: 3, revenue: 4_500, orders: 2 },
      { sku: "BOOK-001", name: "Product BOOK-001", currency: "EUR", units: 1, revenue: 3_900, orders: 1 },
    ]);
    expect((await admin(`/admin/reports/top-skus?${RANGE}&limit=1`)).json.skus.map((s: { sku: string }) => s.sku)).toEqual(["TEE-001"]);
  });
});

describe("the admin API", () => {
  it.each(["/admin/reports/orders", "/admin/reports/sales-per-day", "/admin/lake/objects"])("refuses %s without the admin token", async (path) => {
    expect((await admin(path, {}, "wrong")).status).toBe(401);
  });

  it("lists lake objects and hands one out as gzip", async () => {
    const list = await admin("/admin/lake/objects?limit=1000");
    const key = list.json.objects.map((o: { key: string }) => o.key).find((k: string) => k.includes("date=2025-06-01/hour=09"));
    expect(key).toMatch(/^events\/type=.+\/date=2025-06-01\/hour=09\/[0-9a-f]{32}\.ndjson\.gz$/);
    const res = await admin(`/admin/lake/object?key=${encodeURIComponent(key)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
  });

  it("refuses a rebuild without a body, emptying nothing", async () => {
    const res = await admin("/admin/reports/rebuild", { method: "POST" });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: "(root)", message: "a JSON body is required" }]);
    expect((await admin(`/admin/reports/orders?${RANGE}`)).json.orders).toHaveLength(6);
  });

  it("refuses a key outside the lake and answers 404 for a missing object", async () => {
    expect((await admin("/admin/lake/object?key=../secrets")).status).toBe(422);
    const missing = await admin(`/admin/lake/object?key=${encodeURIComponent(`events/type=order.placed.v1/date=1999-01-01/hour=00/${"0".repeat(32)}.ndjson.gz`)}`);
    expect(missing.status).toBe(404);
  });
});
