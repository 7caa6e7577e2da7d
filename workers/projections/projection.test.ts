import { describe, expect, it, vi } from "vitest";
import { typesFor } from "../../src/contracts/topology";
import { piiHasher } from "./pii";
import { project } from "./projection";
import { admin, deliver, e, lakeObjects, orderStory } from "./test-helpers";

const stores = () => ({ reporting: e.REPORTING, lake: e.LAKE, piiKey: "test-pii-key" });
const orderRow = (orderId: string) => e.REPORTING.prepare("SELECT * FROM orders WHERE order_id = ?").bind(orderId).first();
const lakeLinesOf = async (prefix: string, orderId: string) =>
  (await lakeObjects(prefix)).flatMap(({ key, text }) => text.split("\n").filter((line) => line.includes(orderId)).map((line) => ({ key, event: JSON.parse(line) })));

describe("the order status Sales serves", () => {
  it("is the newest snapshot's, and never goes back when an older snapshot comes late", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-01T10:00:00.000Z") });
    const snapshots = story.events.filter((event) => event.type === "order.status_changed.v1");
    await deliver(story.events);
    const res = await admin(`/orders/${story.orderId}/status`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: story.orderId, status: "ready_to_ship", version: 3, updatedAt: "2026-03-01T10:00:05.000Z" });
    expect(res.json.timeline).toEqual([
      { status: "placed", at: "2026-03-01T10:00:00.000Z" },
      { status: "billed", at: "2026-03-01T10:00:02.000Z" },
      { status: "ready_to_ship", at: "2026-03-01T10:00:05.000Z" },
    ]);

    await deliver([snapshots[0], snapshots[1]]);
    await deliver([snapshots[2]]);
    expect((await admin(`/orders/${story.orderId}/status`)).json).toEqual(res.json);
  });

  it("is not found until a snapshot of the order has been projected", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-01T11:00:00.000Z"), cancelledAfterMs: 60_000 });
    await deliver([story.events.find((event) => event.type === "order.refunded.v1")]);
    const res = await admin(`/orders/${story.orderId}/status`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await admin("/orders/not-an-order/status")).status).toBe(422);
  });
});

describe("the reporting read model", () => {
  it("holds one row per order with its totals, customer, lines and the time of each stage", async () => {
    const placedAt = new Date("2026-03-02T09:30:00.000Z");
    const story = orderStory({ placedAt, customerId: "cus_rowtest", lines: [{ sku: "MUG-001", quantity: 2, unitPrice: 1500 }, { sku: "TEE-001", quantity: 1, unitPrice: 2500 }] });
    await deliver(story.events);
    const row = (await orderRow(story.orderId)) as Record<string, unknown>;
    expect({ ...row, lines: JSON.parse(row.lines as string), timeline: JSON.parse(row.timeline as string), lake_event_ids: JSON.parse(row.lake_event_ids as string) }).toEqual({
      order_id: story.orderId,
      version: 3,
      status: "ready_to_ship",
      customer_id: "cus_rowtest",
      currency: "USD",
      subtotal: 5500,
      total: 5500,
      line_count: 2,
      units: 3,
      lines: [
        { sku: "MUG-001", name: "Product MUG-001", quantity: 2, lineTotal: 3000 },
        { sku: "TEE-001", name: "Product TEE-001", quantity: 1, lineTotal: 2500 },
      ],
      placed_at: "2026-03-02T09:30:00.000Z",
      billed_at: "2026-03-02T09:30:02.000Z",
      billed_amount: 5500,
      ready_at: "2026-03-02T09:30:05.000Z",
      billing_failed_at: null,
      stock_unavailable_at: null,
      cancelled_at: null,
      refunded_at: null,
      refunded_amount: null,
      updated_at: "2026-03-02T09:30:05.000Z",
      timeline: [
        { status: "placed", at: "2026-03-02T09:30:00.000Z" },
        { status: "billed", at: "2026-03-02T09:30:02.000Z" },
        { status: "ready_to_ship", at: "2026-03-02T09:30:05.000Z" },
      ],
      lake_event_ids: story.events.map((event) => event.id).sort(),
    });
  });

  it("counts a refund that comes after the customer cancelled, which no snapshot carries", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-02T09:50:00.000Z"), cancelledAfterMs: 60_000 });
    expect(story.events.at(-1)!.type).toBe("order.refunded.v1");
    await deliver(story.events.slice(-1));
    await deliver(story.events.slice(0, -1));
    expect(await orderRow(story.orderId)).toMatchObject({ status: "cancelled", cancelled_at: "2026-03-02T09:51:02.000Z", refunded_at: "2026-03-02T09:51:03.000Z", refunded_amount: 3000 });
  });

  it("knows an order from a refund before its first snapshot, and reports it only once one comes", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-02T10:00:00.000Z"), customerId: "cus_latefact", cancelledAfterMs: 60_000 });
    const refunded = story.events.find((event) => event.type === "order.refunded.v1")!;
    await deliver([refunded]);
    expect(await orderRow(story.orderId)).toMatchObject({ version: 0, status: null, placed_at: null, lake_event_ids: JSON.stringify([refunded.id]) });
    expect((await admin("/admin/reports/orders?customer=cus_latefact")).json.orders).toEqual([]);
    await deliver(story.events.filter((event) => event !== refunded));
    expect(await orderRow(story.orderId)).toMatchObject({ status: "cancelled", placed_at: "2026-03-02T10:00:00.000Z", billed_at: "2026-03-02T10:00:02.000Z", refunded_amount: 3000 });
    expect((await admin("/admin/reports/orders?customer=cus_latefact")).json.orders.map((o: { orderId: string }) => o.orderId)).toEqual([story.orderId]);
  });
});

describe("the data lake", () => {
  it("writes one gzip NDJSON object per partition a batch touches, with every event of the batch once", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T08:15:00.000Z") });
    await deliver(story.events);
    const lines = await lakeLinesOf("events/", story.orderId);
    expect(lines.map(({ event }) => event.id).sort()).toEqual(story.events.map((event) => event.id).sort());
    const keys = [...new Set(lines.map(({ key }) => key))].sort();
    // three status snapshots: one type, all in the same hour, so one object
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^events\/type=order\.status_changed\.v1\/date=2026-03-03\/hour=08\/[0-9a-f]{32}\.ndjson\.gz$/);
    const placed = lines.find(({ event }) => event.data.order.status === "placed")!;
    expect(placed.event).toMatchObject({ id: story.events[0]!.id, specversion: "1.0", data: { previousStatus: null, order: { id: story.orderId, total: 3000 } } });
  });

  it("does not duplicate events when a batch is delivered again, or its events come again in another batch", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T09:15:00.000Z") });
    await deliver(story.events);
    const before = await lakeObjects("events/type=order.status_changed.v1/date=2026-03-03/");
    await deliver(story.events, 2);
    await deliver([story.events[0], story.events[2]]);
    const lines = await lakeLinesOf("events/", story.orderId);
    expect(lines.map(({ event }) => event.id).sort()).toEqual(story.events.map((event) => event.id).sort());
    expect(await lakeObjects("events/type=order.status_changed.v1/date=2026-03-03/")).toEqual(before);
  });

  it("writes nothing to the lake while D1 is unreachable", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T10:15:00.000Z") });
    const failing = Object.create(e.REPORTING) as D1Database;
    failing.prepare = () => {
      throw new Error("D1 overloaded");
    };
    await expect(project({ ...stores(), reporting: failing }, story.events)).rejects.toThrow("D1 overloaded");
    expect(await lakeLinesOf("events/", story.orderId)).toEqual([]);
  });

  it("overwrites its own objects when a batch is retried after the read model write failed", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T10:45:00.000Z") });
    const failing = Object.create(e.REPORTING) as D1Database;
    failing.prepare = (sql: string) => {
      if (!sql.includes("INSERT INTO orders")) return e.REPORTING.prepare(sql);
      throw new Error("D1 overloaded");
    };
    await expect(project({ ...stores(), reporting: failing }, story.events)).rejects.toThrow("D1 overloaded");
    const written = await lakeLinesOf("events/", story.orderId);
    expect(written).toHaveLength(story.events.length);
    expect(await orderRow(story.orderId)).toBeNull();
    await project(stores(), story.events);
    expect(await lakeLinesOf("events/", story.orderId)).toEqual(written);
    expect(await orderRow(story.orderId)).toMatchObject({ status: "ready_to_ship", version: 3 });
  });

  it("never lets customer PII into an object, and hashes each person the same way everywhere", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T11:15:00.000Z"), tag: "piitest7", customerId: "cus_0000pii" });
    await deliver(story.events);
    const texts = (await lakeObjects("events/")).filter(({ text }) => text.includes(story.orderId)).map(({ text }) => text);
    expect(texts.length).toBeGreaterThan(0);
    const pii = [story.customer.name, story.customer.email, story.customer.phone, story.address.line1, story.address.line2, "piitest7"];
    for (const text of texts) for (const value of pii) expect(text).not.toContain(value);

    const events = texts.flatMap((text) => text.trim().split("\n").map((line) => JSON.parse(line)));
    const placed = events.find((event) => event.data.order.status === "placed").data.order;
    const ready = events.find((event) => event.data.order.status === "ready_to_ship").data.order;
    const hash = piiHasher("test-pii-key");
    expect(placed.customer).toEqual({
      name: await hash("name", story.customer.name),
      email: await hash("email", story.customer.email),
      phone: await hash("phone", story.customer.phone),
    });
    expect(ready.customer).toEqual(placed.customer);
    expect(await hash("email", story.customer.email.toUpperCase())).toBe(placed.customer.email);
    expect(placed.shippingAddress).toMatchObject({ line1: await hash("line1", story.address.line1), city: "Springfield", country: "US" });
    expect(placed.lines[0].name).toBe("Product MUG-001");
  });

  it("keeps the batch waiting, and writes nothing, while the PII key is missing", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-03T12:15:00.000Z") });
    const result = await deliver(story.events.slice(0, 1), 1, { LAKE_PII_KEY: "" });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
    expect(await lakeLinesOf("events/", story.orderId)).toEqual([]);
    expect(await orderRow(story.orderId)).toBeNull();
  });
});

describe("the projections consumer", () => {
  it("dead-letters what it can never apply, each on its own, and applies the rest", async () => {
    const story = orderStory({ placedAt: new Date("2026-03-04T10:00:00.000Z") });
    const send = vi.spyOn(e.DEAD_LETTERS, "send");
    const result = await deliver([{ not: "an event" }, story.events[0], { ...story.events[0], type: "order.teleported.v1" }]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(send.mock.calls.map(([letter]) => (letter as { reason: string }).reason).sort()).toEqual(["invalid_envelope", "unknown_type"]);
    expect(await orderRow(story.orderId)).toMatchObject({ status: "placed" });
    send.mockRestore();
  });

  it("takes Sales' status snapshots and refunds, nothing else", () => {
    expect(typesFor("projections").sort()).toEqual(["order.refunded.v1", "order.status_changed.v1"]);
  });
});
