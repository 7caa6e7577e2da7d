import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORDER_FLOWS } from "../src/contracts/topology";
import { placeOrderBody } from "./fixtures/orders";
import { placementQueue, startStack, waitFor, type Stack } from "./stack";

describe.each(ORDER_FLOWS)("the order workflow across Sales, Billing and Warehouse (%s)", (flow) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow });
  });
  afterAll(() => stack?.close());

  const start = placementQueue(flow);

  const chargesFor = async (orderId: string) =>
    (await stack.providerObjects("payment_intent")).filter((intent) => intent.metadata?.order_id === orderId);
  const labelsFor = async (orderId: string) =>
    (await stack.providerObjects("label")).filter((label) => label.metadata === `order ${orderId}`);

  it("takes every order to ready_to_ship, charging each once and buying one label each", async () => {
    const placed = await Promise.all([
      stack.placeOrder(placeOrderBody()),
      stack.placeOrder(placeOrderBody({ items: [{ sku: "TEE-001", quantity: 3 }, { sku: "BOOK-001", quantity: 1 }] })),
      stack.placeOrder(placeOrderBody({ customer: { name: "Grace", email: "grace@example.com" } })),
    ]);
    const keyed = await stack.placeOrder(placeOrderBody({ items: [{ sku: "STICKER-001", quantity: 10 }] }), { "idempotency-key": "e2e-k1" });
    const retried = await stack.placeOrder(placeOrderBody({ items: [{ sku: "STICKER-001", quantity: 10 }] }), { "idempotency-key": "e2e-k1" });
    expect(retried.body.id).toBe(keyed.body.id);

    const ids = [...placed, keyed].map((reply) => {
      expect(reply.status).toBe(202);
      return reply.body.id as string;
    });
    const orders = await Promise.all(ids.map((id) => stack.waitForStatus(id, "ready_to_ship")));

    for (const order of orders) {
      expect(order.timeline.map((step: { status: string; source: string }) => `${step.status}@${step.source}`)).toEqual([
        "placed@/sales",
        "billed@/billing",
        "ready_to_ship@/warehouse",
      ]);
      const charges = await chargesFor(order.id);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toMatchObject({ amount: order.total, currency: "usd", status: "succeeded" });
      expect(order.payment.paymentId).toBe(charges[0].id);
      const labels = await labelsFor(order.id);
      expect(labels).toHaveLength(1);
      expect(order.shipment.trackingNumber).toBe(labels[0].tracking_number);
    }
    expect(orders[1].total).toBe(3 * 2500 + 3900);

    const stripeCalls = await stack.providerRequests("stripe");
    const call = stripeCalls.find((request) => request.body.includes(ids[0]!))!;
    expect(call.headers["authorization"]).toBe("Bearer sk_test_e2e");
    expect(call.headers["idempotency-key"]).toBe(`choreo-charge-${ids[0]}`);
    expect(call.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(new URLSearchParams(call.body).get("metadata[order_id]")).toBe(ids[0]);

    // Only the admin view tells which flow ran the order, and for a workflow, its steps.
    const adminView = await stack.order(ids[0]!);
    if (flow === "choreography") expect(adminView.flow).toEqual({ kind: "choreography" });
    else {
      expect(adminView.flow).toMatchObject({ kind: "orchestration", workflow: "order-flow", instanceId: ids[0] });
      expect(adminView.flow.steps.map((step: { name: string; event: string }) => `${step.name} → ${step.event}`)).toEqual([
        "charge → order.billed.v1",
        "take stock and buy the label → shipping_label.created.v1",
      ]);
      await waitFor(async () => ((await stack.flowStatus(ids[0]!)) === "complete" ? true : undefined));
    }
    const publicView = (await (await stack.app.fetch(`/orders/${ids[0]}`)).json()) as Record<string, unknown>;
    expect(publicView).not.toHaveProperty("flow");

    const stock = await stack.admin("GET", "/admin/stock");
    const tees = stock.body.stock.find((level: { sku: string }) => level.sku === "TEE-001");
    expect(tees.available).toBe(500 - 3);
  });

  it("holds orders while Stripe is down and completes them, charged once, when it is back", async () => {
    await stack.setFault({ provider: "stripe", mode: "error" });
    const reply = await stack.placeOrder(placeOrderBody());
    expect(reply.status).toBe(202);
    const id = reply.body.id as string;

    await waitFor(async () => {
      const failures = (await stack.providerRequests("stripe")).filter((r) => r.body.includes(id) && r.outcome === "fault:error");
      return failures.length >= 1 ? failures : undefined;
    });
    expect((await stack.order(id)).status).toBe("placed");

    await stack.setFault({ provider: "stripe", mode: "ok" });
    const order = await stack.waitForStatus(id, "ready_to_ship", 60_000);
    expect(order.timeline.map((step: { status: string }) => step.status)).toEqual(["placed", "billed", "ready_to_ship"]);
    expect(await chargesFor(id)).toHaveLength(1);
  });

  it("ignores a redelivered order.placed: no second charge, not even a second call", async () => {
    const reply = await stack.placeOrder(placeOrderBody());
    const id = reply.body.id as string;
    const order = await stack.waitForStatus(id, "ready_to_ship");
    const placedEventId = order.timeline[0].eventId;
    const before = (await stack.providerRequests("stripe")).filter((r) => r.body.includes(id)).length;

    const original = {
      specversion: "1.0",
      id: placedEventId,
      source: "/sales",
      type: "order.placed.v1",
      time: order.placedAt,
      subject: id,
      datacontenttype: "application/json",
      correlationid: id,
      data: {
        orderId: id,
        customerId: order.customerId,
        customer: order.customer,
        shippingAddress: order.shippingAddress,
        lines: order.items,
        currency: order.currency,
        subtotal: order.subtotal,
        total: order.total,
        paymentMethod: "pm_card_visa",
        placedAt: order.placedAt,
      },
    };
    const handledBefore = await stack.handled(start.queue, placedEventId);
    await stack.sendToQueue(start.binding, original);
    await stack.sendToQueue(start.binding, original);
    // Both redeliveries handled (acked): by Billing, or by the flow starter, which finds the order's workflow started…
    await waitFor(async () => ((await stack.handled(start.queue, placedEventId)) >= handledBefore + 2 ? true : undefined));
    const after = (await stack.providerRequests("stripe")).filter((r) => r.body.includes(id)).length;
    expect(after).toBe(before);
    expect(await chargesFor(id)).toHaveLength(1);
  });

  it("dead-letters a malformed message at once, where an admin can see why", async () => {
    const marker = crypto.randomUUID();
    await stack.sendToQueue(start.binding, { hello: "not an event", marker });
    const letter = await waitFor(async () => {
      const { body } = await stack.admin("GET", `/admin/dead-letters?queue=${start.queue}&status=parked`);
      return body.letters.find((l: { body: { marker?: string } }) => l.body?.marker === marker);
    });
    // Parked on its first delivery, never retried.
    expect(letter).toMatchObject({ reason: "invalid_envelope", error: expect.stringContaining("specversion"), attempts: 1, failures: 1 });
  });

  it(
    flow === "choreography"
      ? "parks an order Stripe refuses, and completes it when an admin replays it after the fix"
      : "keeps trying an order Stripe refuses, and completes it once the fix is in",
    async () => {
      await stack.setFault({ provider: "stripe", mode: "reject" }); // e.g. a revoked API key
      const { body } = await stack.placeOrder(placeOrderBody());
      if (flow === "orchestration") {
        // The workflow's charge step is refused and tried again, backing off: nothing is parked.
        const refusals = async () => (await stack.providerRequests("stripe")).filter((r) => r.body.includes(body.id) && r.outcome === "fault:reject").length;
        await waitFor(async () => ((await refusals()) >= 2 ? true : undefined), 30_000);
        expect((await stack.order(body.id)).status).toBe("placed");
        expect(await stack.flowStatus(body.id)).not.toBe("errored");
        await stack.setFault({ provider: "stripe", mode: "ok" }); // the key is fixed
        await stack.waitForStatus(body.id, "ready_to_ship", 60_000);
        expect(await chargesFor(body.id)).toHaveLength(1);
        return;
      }
      const letter = await waitFor(async () => {
        const { body: list } = await stack.admin("GET", "/admin/dead-letters?type=order.placed.v1&status=parked");
        return list.letters.find((l: { subject: string }) => l.subject === body.id);
      });
      expect(letter).toMatchObject({ queue: "billing", reason: "rejected", error: expect.stringContaining("400") });
      expect((await stack.order(body.id)).status).toBe("placed");

      await stack.setFault({ provider: "stripe", mode: "ok" }); // the key is fixed
      const replay = await stack.admin("POST", `/admin/dead-letters/${letter.id}/replay`);
      expect(replay.body.replayed).toEqual([letter.id]);
      await stack.waitForStatus(body.id, "ready_to_ship");
      expect(await chargesFor(body.id)).toHaveLength(1);

      // Replaying it again changes nothing: the invoice's record knows the event.
      const handledBefore = await stack.handled("billing", letter.eventId);
      await stack.admin("POST", `/admin/dead-letters/${letter.id}/replay`);
      await waitFor(async () => ((await stack.handled("billing", letter.eventId)) > handledBefore ? true : undefined));
      expect(await chargesFor(body.id)).toHaveLength(1);
    },
  );
});

