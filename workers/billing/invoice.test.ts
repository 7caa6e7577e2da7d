import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { placedEvent } from "../../test/fixtures/orders";
import { tapped } from "../../test/fixtures/tap";
import { orderEventHandlers, invoiceOf } from "./order-events";
import { typesFor } from "../../src/contracts/topology";

const e = env as BillingEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;
const sandbox = inject("sandboxUrl");

async function stripeCallsFor(orderId: string) {
  const res = await fetch(`${sandbox}/_sandbox/requests?provider=stripe`);
  const { requests } = (await res.json()) as { requests: { body: string; outcome: string; headers: Record<string, string> }[] };
  return requests.filter((r) => r.body.includes(orderId));
}

async function fault(body: Record<string, unknown>) {
  await fetch(`${sandbox}/_sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

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

  it("does not retry a declined card", async () => {
    const placed = placedEvent(undefined, "pm_card_chargeDeclined");
    const outcome = await invoiceOf(e.INVOICES, placed.subject).bill(placed);
    expect(outcome).toEqual({ kind: "reject", reason: expect.stringContaining("generic_decline") });
  });

  it("does not retry a request Stripe refuses as invalid", async () => {
    const placed = placedEvent(undefined, "tok_not_a_payment_method");
    const outcome = await invoiceOf(e.INVOICES, placed.subject).bill(placed);
    expect(outcome).toEqual({ kind: "reject", reason: expect.stringContaining("400") });
  });
});

describe("Billing's subscriptions", () => {
  it("handles exactly the event types the topology sends to its queue", () => {
    expect(Object.keys(orderEventHandlers({} as never)).sort()).toEqual(typesFor("billing").sort());
  });
});
