import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { cancelledEvent, placedEvent, stockUnavailableEvent } from "../../test/fixtures/orders";
import { sandboxClient } from "../../test/fixtures/sandbox";
import { tapped } from "../../test/fixtures/tap";
import { orderEventHandlers, invoiceOf } from "./order-events";
import { typesFor } from "../../src/contracts/topology";

const e = env as BillingEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;
const sandbox = sandboxClient(inject("sandboxUrl"));
const stripeCallsFor = async (orderId: string) => (await sandbox.requests("stripe")).filter((r) => r.body.includes(orderId));
const fault = sandbox.fault;
/** The PaymentIntents the sandbox's Stripe holds for an order. */
const intentsOf = async (orderId: string) => (await sandbox.objects<{ id: string; metadata: { order_id: string } }>("payment_intent")).filter((pi) => pi.metadata.order_id === orderId);

describe("Invoice", () => {
  it("charges the order through Stripe and records the payment", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    const record = await invoice.view();
    expect(record).toMatchObject({ orderId: placed.subject, amount: 3000, currency: "USD", status: "paid" });
    expect(record?.paymentId).toMatch(/^pi_/);
    const [call] = await stripeCallsFor(placed.subject);
    expect(call?.headers["idempotency-key"]).toBe(`choreo-charge-${placed.subject}`);
    const form = new URLSearchParams(call!.body);
    expect(Object.fromEntries(form)).toMatchObject({ amount: "3000", currency: "usd", payment_method: "pm_card_visa", confirm: "true" });
  });

  it("charges once however often the event comes, and under a new event id too", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await Promise.all([invoice.bill(placed), invoice.bill(placed)]);
    await invoice.bill(placed);
    await invoice.bill({ ...placed, id: crypto.randomUUID() });
    const created = (await stripeCallsFor(placed.subject)).filter((r) => r.outcome === "created");
    expect(created).toHaveLength(1);
  });

  it("charges once when Stripe's answer was lost: a retry within the key's window is deduped by the Idempotency-Key", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await fault({ provider: "stripe", mode: "lost", remaining: 1 });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "retry", reason: expect.stringContaining("504") });
    expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    expect((await stripeCallsFor(placed.subject)).map((r) => r.outcome)).toEqual(["lost:created", "replayed"]);
    const intents = await intentsOf(placed.subject);
    expect(intents).toHaveLength(1);
    expect(await invoice.view()).toMatchObject({ status: "paid", paymentId: intents[0]!.id });
  });

  it("charges once when a charge whose answer was lost is replayed after Stripe forgot its key: it finds the charge by the order id", async () => {
    // An order.placed from two days ago, replayed from the dead letters: past Stripe's 24 h key window.
    const placed = { ...placedEvent(), time: new Date(Date.now() - 2 * 86_400_000).toISOString() };
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await fault({ provider: "stripe", mode: "lost", remaining: 1 });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "retry" });
    // The replay comes after Stripe forgot the key: a second POST would charge again.
    await fault({ provider: "stripe", mode: "slow", delayMs: 0, idempotencyWindowSeconds: 0 });
    try {
      expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    } finally {
      await fault({ provider: "stripe", mode: "ok" });
    }
    const intents = await intentsOf(placed.subject);
    expect(intents).toHaveLength(1);
    expect(await invoice.view()).toMatchObject({ status: "paid", paymentId: intents[0]!.id, amount: 3000 });
  });

  it("refunds a charge whose answer was lost when the cancellation comes before the retry", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await fault({ provider: "stripe", mode: "lost", remaining: 1 });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "retry" });
    expect(await invoice.cancel(cancelledEvent(placed.subject))).toEqual({ kind: "done" });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "done" });
    const intents = await intentsOf(placed.subject);
    const refunds = (await sandbox.objects<{ payment_intent: string }>("refund")).filter((refund) => refund.payment_intent === intents[0]?.id);
    expect([intents.length, refunds.length]).toEqual([1, 1]);
    expect(await invoice.view()).toMatchObject({ status: "refunded", paymentId: intents[0]!.id, refund: { reason: "customer_cancelled" } });
  });

  it("voids a charge Stripe may have taken but did not, when the cancellation comes before the retry", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await fault({ provider: "stripe", mode: "error", remaining: 1 });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "retry" });
    expect(await invoice.cancel(cancelledEvent(placed.subject))).toMatchObject({ kind: "done" });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "done", note: expect.stringContaining("voided") });
    expect(await intentsOf(placed.subject)).toHaveLength(0);
    expect(await invoice.view()).toMatchObject({ status: "voided" });
  });

  it("refunds once when a refund's answer was lost and the retry comes after Stripe forgot its key", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await invoice.bill(placed);
    const unavailable = { ...stockUnavailableEvent(placed.subject), time: new Date(Date.now() - 2 * 86_400_000).toISOString() };
    await fault({ provider: "stripe", mode: "lost", remaining: 1 });
    expect(await invoice.refundUnshippable(unavailable)).toMatchObject({ kind: "retry" });
    await fault({ provider: "stripe", mode: "slow", delayMs: 0, idempotencyWindowSeconds: 0 });
    try {
      expect(await invoice.refundUnshippable(unavailable)).toEqual({ kind: "done" });
    } finally {
      await fault({ provider: "stripe", mode: "ok" });
    }
    const record = await invoice.view();
    const refunds = (await sandbox.objects<{ id: string; payment_intent: string }>("refund")).filter((refund) => refund.payment_intent === record?.paymentId);
    expect(refunds).toHaveLength(1);
    expect(record).toMatchObject({ status: "refunded", refund: { refundId: refunds[0]!.id, reason: "stock_unavailable" } });
  });

  it("publishes order.billed to Warehouse and Sales with the lines and ship-to", async () => {
    const placed = placedEvent();
    await invoiceOf(e.INVOICES, placed.subject).bill(placed);
    const record = await invoiceOf(e.INVOICES, placed.subject).view();
    const published = await tapped(tap, (m) => m.body.subject === placed.subject, 2);
    expect(published.map((m) => m.queue).sort()).toEqual(["sales", "warehouse"]);
    for (const { body } of published) {
      expect(body).toMatchObject({
        type: "order.billed.v1",
        source: "/billing",
        causationid: placed.id,
        data: {
          orderId: placed.subject,
          invoiceId: record?.invoiceId,
          paymentId: record?.paymentId,
          amount: 3000,
          currency: "USD",
          lines: [{ sku: "MUG-001", quantity: 2 }],
          shipTo: { name: placed.data.customer.name, address: placed.data.shippingAddress },
        },
      });
    }
  });

  it("asks for a retry, honouring Retry-After, when Stripe throttles", async () => {
    await fault({ provider: "stripe", mode: "throttle", retryAfterSeconds: 7, remaining: 1 });
    const placed = placedEvent();
    expect(await invoiceOf(e.INVOICES, placed.subject).bill(placed)).toEqual({
      kind: "retry",
      reason: expect.stringContaining("429"),
      afterSeconds: 7,
    });
    expect(await invoiceOf(e.INVOICES, placed.subject).view()).toBeNull();
  });

  it("asks for a retry when Stripe is down, and charges once it is back", async () => {
    await fault({ provider: "stripe", mode: "down" });
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    expect((await invoice.bill(placed)).kind).toBe("retry");
    await fault({ provider: "stripe", mode: "ok" });
    expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    expect((await invoice.view())?.status).toBe("paid");
  });

  it("ends a declined card with order.billing_failed instead of a retry", async () => {
    const placed = placedEvent(undefined, "pm_card_chargeDeclined");
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    expect(await invoice.view()).toMatchObject({ status: "declined", declineCode: "generic_decline" });
    const [failed] = await tapped(tap, (m) => m.body.subject === placed.subject);
    expect(failed).toMatchObject({
      queue: "sales",
      body: { type: "order.billing_failed.v1", causationid: placed.id, data: { reason: { code: "generic_decline" }, amount: 3000 } },
    });
  });

  it("ends an order whose payment method Stripe has never seen as a failed payment, not a parked message", async () => {
    const placed = placedEvent(undefined, "pm_1NeverIssued");
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    expect(await invoice.bill(placed)).toEqual({ kind: "done" });
    expect(await invoice.view()).toMatchObject({ status: "declined", declineCode: "resource_missing" });
    const [failed] = await tapped(tap, (m) => m.body.subject === placed.subject);
    expect(failed).toMatchObject({ queue: "sales", body: { type: "order.billing_failed.v1", data: { reason: { code: "resource_missing" } } } });
  });

  it("does not retry a request Stripe refuses for a reason of ours (a revoked key, a bad parameter)", async () => {
    await fault({ provider: "stripe", mode: "reject", remaining: 1 });
    const placed = placedEvent();
    const outcome = await invoiceOf(e.INVOICES, placed.subject).bill(placed);
    expect(outcome).toEqual({ kind: "reject", reason: expect.stringContaining("400") });
  });
});

async function stripeObjects(kind: "payment_intent" | "refund", orderId: string) {
  const objects = await sandbox.objects<{ metadata: { order_id?: string } }>(kind);
  return objects.filter((o) => o.metadata.order_id === orderId);
}

describe("Invoice compensation", () => {
  it("refunds a charged order once when stock is unavailable, and publishes order.refunded", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await invoice.bill(placed);
    const unavailable = stockUnavailableEvent(placed.subject);
    expect(await invoice.refundUnshippable(unavailable)).toEqual({ kind: "done" });
    expect(await invoice.refundUnshippable(unavailable)).toMatchObject({ kind: "done", note: expect.stringContaining("duplicate") });
    expect(await invoice.cancel(cancelledEvent(placed.subject))).toMatchObject({ kind: "done", note: "nothing to refund (refunded)" });
    expect(await stripeObjects("refund", placed.subject)).toHaveLength(1);
    const record = await invoice.view();
    expect(record).toMatchObject({ status: "refunded", refund: { reason: "stock_unavailable", amount: 3000 } });
    const [refunded] = await tapped(tap, (m) => m.body.subject === placed.subject && m.body.type === "order.refunded.v1");
    expect(refunded?.body).toMatchObject({ causationid: unavailable.id, data: { refundId: record?.refund?.refundId, reason: "stock_unavailable" } });
  });

  it("never charges an order cancelled before its order.placed is handled", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    expect(await invoice.cancel(cancelledEvent(placed.subject, placed))).toEqual({ kind: "done", note: "invoice voided before any charge" });
    expect(await invoice.bill(placed)).toMatchObject({ kind: "done", note: "invoice already voided" });
    expect(await stripeObjects("payment_intent", placed.subject)).toHaveLength(0);
  });

  it("refunds a cancellation that arrives while the charge is in flight", async () => {
    await fault({ provider: "stripe", mode: "slow", delayMs: 300, remaining: 1 });
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    const [billed, cancelled] = await Promise.all([invoice.bill(placed), invoice.cancel(cancelledEvent(placed.subject, placed))]);
    expect([billed, cancelled]).toEqual([{ kind: "done" }, { kind: "done" }]);
    expect(await stripeObjects("payment_intent", placed.subject)).toHaveLength(1);
    expect(await stripeObjects("refund", placed.subject)).toHaveLength(1);
    expect((await invoice.view())?.refund?.reason).toBe("customer_cancelled");
  });

  it("keeps a refund due while Stripe is down and completes it later", async () => {
    const placed = placedEvent();
    const invoice = invoiceOf(e.INVOICES, placed.subject);
    await invoice.bill(placed);
    await fault({ provider: "stripe", mode: "error" });
    const cancel = cancelledEvent(placed.subject, placed);
    expect((await invoice.cancel(cancel)).kind).toBe("retry");
    expect(await invoice.view()).toMatchObject({ status: "paid", refundDue: "customer_cancelled" });
    await fault({ provider: "stripe", mode: "ok" });
    expect(await invoice.cancel(cancel)).toEqual({ kind: "done" });
    expect(await stripeObjects("refund", placed.subject)).toHaveLength(1);
  });
});

describe("Billing's subscriptions", () => {
  it("handles exactly the event types the topology sends to its queue", () => {
    expect(Object.keys(orderEventHandlers({} as never)).sort()).toEqual(typesFor("billing").sort());
  });
});
