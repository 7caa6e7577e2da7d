import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORDER_FLOWS } from "../src/contracts/topology";
import { integrationsProbe } from "./fixtures/integrations";
import { placeOrderBody } from "./fixtures/orders";
import { startStack, waitFor, type Stack } from "./stack";

describe.each(ORDER_FLOWS)("integrations: email, SMS and webhooks for an order (%s)", (flow) => {
  let stack: Stack;
  let endpoint: { id: string; secret: string };
  const receiverPath = "/e2e-erp";

  beforeAll(async () => {
    stack = await startStack({ flow });
    // Subscribed through the public edge, as an operator would.
    const created = await stack.admin("POST", "/admin/webhooks/endpoints", { url: `${stack.sandboxUrl}/webhooks${receiverPath}`, description: "ERP" });
    expect(created.status).toBe(201);
    endpoint = created.body;
  });
  afterAll(() => stack?.close());

  const { sesFor, twilioFor, webhooksFor, notificationLog, line, notificationReaches } = integrationsProbe(() => stack, receiverPath);

  it("sends one order's confirmation email, SMS and shipping notices, and signed webhooks of every step", async () => {
    const reply = await stack.placeOrder(placeOrderBody());
    const id = reply.body.id as string;
    const order = await stack.waitForStatus(id, "ready_to_ship");

    const confirmation = await notificationReaches(id, "email", "order_confirmation", "sent");
    await notificationReaches(id, "sms", "order_confirmation", "sent");
    await notificationReaches(id, "email", "shipping_notice", "sent");
    await notificationReaches(id, "sms", "shipping_notice", "sent");
    expect(confirmation).toMatchObject({ to: "ada@example.com", attempts: 1, providerMessageId: expect.stringMatching(/^ses_/) });

    const emails = await sesFor(id);
    expect(emails.map((r) => JSON.parse(r.body).Content.Simple.Subject.Data)).toEqual([
      `choreo: order ${id} confirmed`,
      `choreo: order ${id} is on its way`,
    ]);
    expect(emails[1]!.body).toContain(order.shipment.trackingNumber);
    const texts = await twilioFor(id);
    expect(texts.map((r) => new URLSearchParams(r.body).get("To"))).toEqual(["+14155550100", "+14155550100"]);

    // placed, billed, label, and three status changes: each signed, each verifiable.
    const hooks = await waitFor(async () => {
      const received = await webhooksFor(id);
      return received.length >= 6 ? received : undefined;
    });
    const events = hooks.map((r) => new Webhook(endpoint.secret).verify(r.body, r.headers) as { type: string; id: string });
    expect(events.map((event) => event.type).sort()).toEqual([
      "order.billed.v1",
      "order.placed.v1",
      "order.status_changed.v1",
      "order.status_changed.v1",
      "order.status_changed.v1",
      "shipping_label.created.v1",
    ]);
    expect(hooks.map((r) => r.headers["webhook-id"])).toEqual(events.map((event) => event.id));
    // The endpoint has each request before its delivery records the answer: wait for all six to settle.
    const settled = await waitFor(async () => {
      const log = (await stack.admin("GET", `/admin/webhooks/endpoints/${endpoint.id}/deliveries?limit=500`)).body.deliveries as any[];
      const ours = log.filter((d) => events.some((event) => event.id === d.webhookId));
      return ours.length === 6 && ours.every((d) => d.status !== "sending") ? ours : undefined;
    });
    expect(settled.map((d) => d.status)).toEqual(Array(6).fill("delivered"));
  });

  it("sends nothing again when an already-sent event is delivered again", async () => {
    const reply = await stack.placeOrder(placeOrderBody());
    const id = reply.body.id as string;
    await notificationReaches(id, "email", "order_confirmation", "sent");
    await notificationReaches(id, "sms", "order_confirmation", "sent");
    // The snapshot that carried the confirmation: Sales' announcement that the order is billed.
    const billedHook = await waitFor(async () => (await webhooksFor(id)).find((r) => r.body.includes('"order.status_changed.v1"') && r.body.includes('"status":"billed"')));
    const billed = JSON.parse(billedHook.body) as { id: string };

    const handledBefore = await stack.handled("integrations", billed.id);
    await stack.sendToQueue("INTEGRATIONS_QUEUE", billed);
    await waitFor(async () => ((await stack.handled("integrations", billed.id)) > handledBefore ? true : undefined));
    expect((await sesFor(id)).filter((r) => r.body.includes("confirmed"))).toHaveLength(1);
    expect((await twilioFor(id)).filter((r) => decodeURIComponent(r.body).includes("confirmed"))).toHaveLength(1);
  });

  it("confirms nothing for a declined order: the customer gets the payment-failed email only", async () => {
    const reply = await stack.placeOrder(placeOrderBody({ paymentMethod: "pm_card_chargeDeclinedInsufficientFunds" }));
    const id = reply.body.id as string;
    await stack.waitForStatus(id, "billing_failed");
    await notificationReaches(id, "email", "payment_failed", "sent");
    expect((await notificationLog(id)).map((l) => `${l.channel}:${l.template}`)).toEqual(["email:payment_failed"]);
    expect((await sesFor(id)).map((r) => JSON.parse(r.body).Content.Simple.Subject.Data)).toEqual([`choreo: payment for order ${id} failed`]);
    expect(await twilioFor(id)).toEqual([]);
  });

  it("records an email SES rejects as failed, without retrying it, and still texts", async () => {
    const reply = await stack.placeOrder(placeOrderBody({ customer: { name: "Rita", email: "rejected@example.com", phone: "+14155550123" } }));
    const id = reply.body.id as string;
    const failed = await notificationReaches(id, "email", "order_confirmation", "failed");
    expect(failed).toMatchObject({ attempts: 1, lastError: { code: "MessageRejected", message: "Email address is not verified." } });
    await notificationReaches(id, "sms", "order_confirmation", "sent");
    expect((await sesFor(id)).filter((r) => r.body.includes("confirmed"))).toHaveLength(1);
  });
});
