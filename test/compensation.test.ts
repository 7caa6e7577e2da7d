import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORDER_FLOWS } from "../src/contracts/topology";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

// The saga, by choreography and by orchestration alike: every path ends in exactly one terminal
// status, and each compensation (refund, restock, label void) happens at most once.
describe.each(ORDER_FLOWS)("compensation across services (%s)", (flow) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow });
  });
  afterAll(() => stack?.close());

  /** Billing is done with the order's placement and its cancellation: its queue handled both, or the order's workflow ended. */
  const billingSettled = async (placedEvent: string, cancelEvent: string, orderId: string) =>
    flow === "choreography"
      ? (await stack.handled("billing", placedEvent)) > 0 && (await stack.handled("billing", cancelEvent)) > 0
      : (await stack.flowStatus(orderId)) === "complete";

  const forOrder = async (kind: "payment_intent" | "refund", id: string) =>
    (await stack.providerObjects(kind)).filter((o) => o.metadata?.order_id === id);
  const statuses = (order: { timeline: { status: string }[] }) => order.timeline.map((step) => step.status);

  /** A billed order Warehouse could not ship: cancelled for `reason`, its one charge refunded once in full. */
  async function expectRefundedUnshippable(orderId: string, reason: string) {
    const order = await stack.waitForStatus(orderId, "cancelled");
    expect(statuses(order)).toEqual(["placed", "billed", "cancelled"]);
    expect(order.closure.reason).toBe(reason);
    const [charge] = await forOrder("payment_intent", orderId);
    const refunds = await forOrder("refund", orderId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ payment_intent: charge.id, amount: charge.amount });
    expect(order.refund).toMatchObject({ refundId: refunds[0].id, reason });
  }

  it("ends a declined card in billing_failed without a charge", async () => {
    const { body } = await stack.placeOrder(placeOrderBody({ paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" }));
    const order = await stack.waitForStatus(body.id, "billing_failed");
    expect(statuses(order)).toEqual(["placed", "billing_failed"]);
    expect(order.closure).toMatchObject({ reason: "payment_declined", detail: expect.stringContaining("insufficient_funds") });
    expect((await forOrder("payment_intent", body.id)).filter((i) => i.status === "succeeded")).toHaveLength(0);
  });

  it("refunds and cancels a billed order whose stock is unavailable", async () => {
    const { body } = await stack.placeOrder(placeOrderBody({ items: [{ sku: "RARE-001", quantity: 1 }] }));
    await expectRefundedUnshippable(body.id, "stock_unavailable");
  });

  it("refunds, restocks and cancels a billed order the carrier cannot deliver to", async () => {
    const before = (await stack.admin("GET", "/admin/stock")).body.stock.find((s: { sku: string }) => s.sku === "MUG-001").available;
    const { body } = await stack.placeOrder(placeOrderBody({ shippingAddress: { ...placeOrderBody().shippingAddress, postalCode: "00000" } }));
    await expectRefundedUnshippable(body.id, "undeliverable");
    const level = (await stack.admin("GET", "/admin/stock")).body.stock.find((s: { sku: string }) => s.sku === "MUG-001").available;
    expect(level).toBe(before);
    // Nothing was parked for an operator: the customer's address ended the order, not a fault of ours.
    expect((await stack.admin("GET", "/admin/dead-letters")).body.letters.filter((l: { eventId?: string; subject?: string }) => JSON.stringify(l).includes(body.id))).toEqual([]);
  });

  it("cancels an order Billing could not charge yet: it is never charged", async () => {
    await stack.setFault({ provider: "stripe", mode: "down" });
    const { body } = await stack.placeOrder(placeOrderBody({ items: [{ sku: "BOOK-001", quantity: 1 }] }));
    // Billing tried and is waiting to retry; the customer cancels meanwhile.
    await waitFor(async () => ((await stack.providerRequests("stripe")).some((r) => r.body.includes(body.id)) ? true : undefined));
    const cancelled = await stack.cancel(body);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe("cancelled");
    const [placedEvent, cancelEvent] = [cancelled.body.timeline[0].eventId, cancelled.body.timeline.at(-1).eventId];
    // Billing took the cancellation (voiding the invoice, or the workflow found it before its next try)…
    if (flow === "choreography") await waitFor(async () => ((await stack.handled("billing", cancelEvent)) > 0 ? true : undefined));
    await stack.setFault({ provider: "stripe", mode: "ok" });
    // …and then settled the placement without charging.
    await waitFor(async () => ((await billingSettled(placedEvent, cancelEvent, body.id)) ? true : undefined), 60_000);
    expect((await forOrder("payment_intent", body.id)).filter((i) => i.status === "succeeded")).toHaveLength(0);
    expect(statuses(await stack.order(body.id))).toEqual(["placed", "cancelled"]);
  });

  it("refunds a cancellation that loses the race with the charge", async () => {
    const { body } = await stack.placeOrder(placeOrderBody({ items: [{ sku: "BOOK-001", quantity: 1 }] }));
    const cancelled = await stack.cancel(body);
    expect(cancelled.status).toBe(202);
    const [placedEvent, cancelEvent] = [cancelled.body.timeline[0].eventId, cancelled.body.timeline.at(-1).eventId];
    // Whichever Billing handles first, the customer ends up not paying.
    const settled = await waitFor(async () => {
      const charges = (await forOrder("payment_intent", body.id)).filter((i) => i.status === "succeeded");
      const refunds = await forOrder("refund", body.id);
      const billingDone = await billingSettled(placedEvent, cancelEvent, body.id);
      if (billingDone && charges.length === 0) return "never charged";
      if (charges.length === 1 && refunds.length === 1) return "charged and refunded";
      return undefined;
    });
    expect(["never charged", "charged and refunded"]).toContain(settled);
    expect((await stack.order(body.id)).status).toBe("cancelled");
  });

  it("refunds a billed order the customer cancels, and puts its stock back", async () => {
    const before = (await stack.admin("GET", "/admin/stock")).body.stock.find((s: { sku: string }) => s.sku === "TEE-001").available;
    await stack.setFault({ provider: "carrier", mode: "down" });
    const { body } = await stack.placeOrder(placeOrderBody({ items: [{ sku: "TEE-001", quantity: 2 }] }));
    await stack.waitForStatus(body.id, "billed");
    expect((await stack.cancel(body)).status).toBe(202);
    await stack.setFault({ provider: "carrier", mode: "ok" });
    const refunded = await waitFor(async () => {
      const order = await stack.order(body.id);
      return order.refund ? order : undefined;
    });
    expect(refunded.status).toBe("cancelled");
    // The customer was told twice: confirmed when paid, refunded when cancelled (no status change announces the refund).
    const subjects = await waitFor(async () => {
      const sent = (await stack.providerRequests("ses")).filter((r) => r.body.includes(body.id)).map((r) => JSON.parse(r.body).Content.Simple.Subject.Data as string);
      return sent.length >= 2 ? sent : undefined;
    });
    expect(subjects.sort()).toEqual([`choreo: order ${body.id} confirmed`, `choreo: refund for order ${body.id}`]);
    expect(refunded.refund.reason).toBe("customer_cancelled");
    expect(await forOrder("refund", body.id)).toHaveLength(1);
    const stock = await waitFor(async () => {
      const level = (await stack.admin("GET", "/admin/stock")).body.stock.find((s: { sku: string }) => s.sku === "TEE-001").available;
      return level === before ? level : undefined;
    });
    expect(stock).toBe(before);
  });

  it("voids a label the carrier bought without answering, when the customer cancels before the retry", async () => {
    const level = async () => (await stack.admin("GET", "/admin/stock")).body.stock.find((s: { sku: string }) => s.sku === "BOOK-001").available;
    const before = await level();
    const labelsFor = async (id: string) => (await stack.providerObjects("label")).filter((label) => label.metadata === `order ${id}`);
    // The carrier buys the label and its answer is lost; every call after it fails until the customer has cancelled.
    await stack.setFault({ provider: "carrier", mode: "lost", remaining: 1 });
    const { body } = await stack.placeOrder(placeOrderBody({ items: [{ sku: "BOOK-001", quantity: 1 }] }));
    await waitFor(async () => ((await labelsFor(body.id)).length === 1 ? true : undefined));
    await stack.setFault({ provider: "carrier", mode: "down" });
    expect((await stack.cancel(body)).status).toBe(202);
    await stack.setFault({ provider: "carrier", mode: "ok" });
    // The retry finds the label at the carrier and voids it; the stock goes back and the money too.
    const [label] = await waitFor(async () => {
      const labels = await labelsFor(body.id);
      return labels.length === 1 && labels[0].refunded && (await forOrder("refund", body.id)).length === 1 ? labels : undefined;
    }, 60_000);
    expect(label.refunded).toBeTruthy();
    await waitFor(async () => ((await level()) === before ? true : undefined));
    expect((await stack.order(body.id)).status).toBe("cancelled");
  });

  it("refuses to cancel an order that has its label", async () => {
    const { body } = await stack.placeOrder(placeOrderBody());
    await stack.waitForStatus(body.id, "ready_to_ship");
    const res = await stack.cancel(body);
    expect(res.status).toBe(409);
    expect((await stack.order(body.id)).status).toBe("ready_to_ship");
    expect(await forOrder("refund", body.id)).toHaveLength(0);
  });
});
