import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { billedEvent, billingFailedEvent, labelEvent, placeOrderBody, placedEvent, refundedEvent } from "../../test/fixtures/orders";
import worker from "./index";
import { orderEventHandlers } from "./order-events";
import { ADMIN, asCustomer, call, seedProduct } from "./test-helpers";
import { typesFor } from "../../src/contracts/topology";
import { timeOfId } from "../../src/platform/ids";
import { encodeTime } from "ulidx";

const e = env as SalesEnv;

async function deliver(bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    "sales",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, e, ctx);
  return getQueueResult(batch, ctx);
}

/** The new order's id, and the header its customer acts with. */
async function placeOrder() {
  const res = await call("POST", "/orders", placeOrderBody());
  return { id: res.json.id as string, customer: asCustomer(res.json.clientSecret) };
}

beforeAll(() => seedProduct("MUG-001", 1500));

describe("Sales consuming Billing and Warehouse events", () => {
  it("moves an order to billed, then ready_to_ship, recording each event in the timeline", async () => {
    const { id } = await placeOrder();
    const billed = billedEvent(id);
    const label = labelEvent(id, billed);
    expect((await deliver([billed])).explicitAcks).toEqual(["m0"]);
    expect((await call("GET", `/orders/${id}`)).json.status).toBe("billed");
    expect((await deliver([label])).explicitAcks).toEqual(["m0"]);
    const order = (await call("GET", `/orders/${id}`, undefined, ADMIN)).json;
    expect(order.status).toBe("ready_to_ship");
    expect(order.timeline.map((t: { status: string; eventId: string; source: string }) => [t.status, t.eventId, t.source])).toEqual([
      ["placed", order.timeline[0].eventId, "/sales"],
      ["billed", billed.id, "/billing"],
      ["ready_to_ship", label.id, "/warehouse"],
    ]);
    expect(order.shipment).toMatchObject({ carrier: "USPS", trackingNumber: label.data.trackingNumber });
    expect(order.payment).toMatchObject({ paymentId: "pi_test", amount: 3000 });
  });

  it("reaches the same state when the label arrives before the payment, and twice", async () => {
    const { id } = await placeOrder();
    const billed = billedEvent(id);
    const label = labelEvent(id, billed);
    const result = await deliver([label, label]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect((await call("GET", `/orders/${id}`)).json.status).toBe("placed");
    await deliver([billed, billed, label]);
    const order = (await call("GET", `/orders/${id}`, undefined, ADMIN)).json;
    expect(order.status).toBe("ready_to_ship");
    expect(order.timeline.map((t: { status: string }) => t.status)).toEqual(["placed", "billed", "ready_to_ship"]);
    expect(order.version).toBe(4);
  });

  it("dead-letters an event for an order Sales never placed, without retrying it", async () => {
    const send = vi.spyOn(e.DEAD_LETTERS, "send");
    const ghost = billedEvent(placedEvent().subject);
    const result = await deliver([ghost]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ reason: "rejected", queue: "sales", body: ghost }), { contentType: "json" });
    send.mockRestore();
  });

  it("dead-letters a fact about an id with an order's random part and another time part, leaving the order as it was", async () => {
    const { id } = await placeOrder();
    const other = `ord_${encodeTime(timeOfId(id) + 1, 10)}${id.slice(-16)}`;
    const send = vi.spyOn(e.DEAD_LETTERS, "send");
    const stray = billedEvent(other);
    const result = await deliver([stray]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ reason: "rejected", queue: "sales", body: stray }), { contentType: "json" });
    send.mockRestore();
    expect((await call("GET", `/orders/${id}`, undefined, ADMIN)).json).toMatchObject({ status: "placed", version: 1 });
  });

  it("dead-letters an order.placed delivered to Sales' queue by mistake", async () => {
    const send = vi.spyOn(e.DEAD_LETTERS, "send");
    const result = await deliver([placedEvent()]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ reason: "unsubscribed_type" }), { contentType: "json" });
    send.mockRestore();
  });
});

describe("Sales ending orders that cannot ship", () => {
  it("ends an order whose card was declined in billing_failed", async () => {
    const { id } = await placeOrder();
    await deliver([billingFailedEvent(id)]);
    const order = (await call("GET", `/orders/${id}`)).json;
    expect(order.status).toBe("billing_failed");
    expect(order.closure.reason).toBe("payment_declined");
  });

  it("cancels a billed order when Billing reports the refund for missing stock", async () => {
    const { id } = await placeOrder();
    await deliver([refundedEvent(id), billedEvent(id)]);
    const order = (await call("GET", `/orders/${id}`, undefined, ADMIN)).json;
    expect(order.status).toBe("cancelled");
    expect(order.timeline.map((t: { status: string }) => t.status)).toEqual(["placed", "billed", "cancelled"]);
    expect(order.refund).toMatchObject({ reason: "stock_unavailable", amount: 3000 });
  });
});

describe("POST /orders/:id/cancel", () => {
  it("cancels a placed order at once and publishes order.cancelled to Billing and Warehouse", async () => {
    const { id, customer } = await placeOrder();
    const res = await call("POST", `/orders/${id}/cancel`, undefined, customer);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ id, status: "cancelled", closure: { reason: "customer_request" } });
    expect(res.json.timeline.at(-1)).toMatchObject({ status: "cancelled", eventType: "order.cancelled.v1", source: "/sales" });
  });

  it("cancels a billed order", async () => {
    const { id, customer } = await placeOrder();
    await deliver([billedEvent(id)]);
    expect((await call("POST", `/orders/${id}/cancel`, undefined, customer)).json.status).toBe("cancelled");
  });

  it("answers a second cancellation with the cancelled order", async () => {
    const { id, customer } = await placeOrder();
    await call("POST", `/orders/${id}/cancel`, undefined, customer);
    const again = await call("POST", `/orders/${id}/cancel`, undefined, customer);
    expect(again.status).toBe(200);
    expect(again.json.status).toBe("cancelled");
    expect(again.json.timeline.filter((t: { status: string }) => t.status === "cancelled")).toHaveLength(1);
  });

  it("refuses once the order has a label, leaving it as it was", async () => {
    const { id, customer } = await placeOrder();
    const billed = billedEvent(id);
    await deliver([billed, labelEvent(id, billed)]);
    const res = await call("POST", `/orders/${id}/cancel`, undefined, customer);
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ type: "/problems/order-not-cancellable", orderStatus: "ready_to_ship" });
    expect((await call("GET", `/orders/${id}`)).json.status).toBe("ready_to_ship");
  });

  it("refuses an order that already failed billing", async () => {
    const { id, customer } = await placeOrder();
    await deliver([billingFailedEvent(id)]);
    expect((await call("POST", `/orders/${id}/cancel`, undefined, customer)).status).toBe(409);
  });

  it("answers 404 for an unknown order", async () => {
    expect((await call("POST", `/orders/${placedEvent().subject}/cancel`, undefined, ADMIN)).status).toBe(404);
    expect((await call("POST", "/orders/nope/cancel", undefined, ADMIN)).status).toBe(404);
  });
});

describe("Sales' subscriptions", () => {
  it("handles exactly the event types the topology sends to its queue", () => {
    expect(Object.keys(orderEventHandlers({} as never)).sort()).toEqual(typesFor("sales").sort());
  });
});
