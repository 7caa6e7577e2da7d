import { SignatureV4 } from "@smithy/signature-v4";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orderRefunded } from "../../src/contracts/events";
import { callsForNotice, typesFor } from "../../src/contracts/topology";
import { OrderStatus } from "../../src/contracts/values";
import { paymentStatusEvent, placedEvent, refundedEvent, statusChangedEvent } from "../../test/fixtures/orders";
import type { NotificationRecord } from "./notification-plan";
import type { Notifications } from "./notifications";
import { handlersFor, notificationsOf } from "./order-events";
import { templatesFor } from "./templates";
import { e, fault, requestsTo, sandboxObjects, type Recorded } from "./test-helpers";

const notifications = (orderId: string) => notificationsOf(e.NOTIFICATIONS, orderId);
const sesFor = (orderId: string) => requestsTo("ses", (r) => r.body.includes(orderId));
const twilioFor = (orderId: string) => requestsTo("twilio", (r) => decodeURIComponent(r.body).includes(orderId));

function placed(customer: Record<string, unknown> = {}) {
  const event = placedEvent();
  return { ...event, data: { ...event.data, customer: { ...event.data.customer, ...customer } } } as typeof event;
}

/** Sales' snapshot of a paid order: what the confirmation is sent on. */
const billed = (customer: Record<string, unknown> = {}) => paymentStatusEvent(placed(customer), "billed");
const channelLine = (log: NotificationRecord[], channel: "email" | "sms") => log.find((line) => line.channel === channel);

/** SHA-256 / HMAC-SHA-256 for @smithy/signature-v4, on WebCrypto: an implementation aws4fetch does not share. */
class WebCryptoSha256 {
  private chunks: Uint8Array[] = [];
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {}
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.chunks.push(typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data));
  }
  async digest(): Promise<Uint8Array> {
    const data = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of this.chunks) data.set(c, (offset += c.length) - c.length);
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    const raw = typeof this.secret === "string" ? new TextEncoder().encode(this.secret) : new Uint8Array(ArrayBuffer.isView(this.secret) ? this.secret.buffer.slice(this.secret.byteOffset, this.secret.byteOffset + this.secret.byteLength) : this.secret);
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
  }
  reset() {
    this.chunks = [];
  }
}

/** Re-signs the request the sandbox received, with the signed headers it names, and returns the signature. */
async function expectedSignature(request: Recorded, secretAccessKey: string): Promise<string> {
  const authorization = request.headers["authorization"]!;
  const [, accessKeyId, date, region, service] = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization)!;
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(";");
  const amzDate = request.headers["x-amz-date"]!;
  expect(amzDate.slice(0, 8)).toBe(date);
  const host = request.headers["host"]!;
  const signer = new SignatureV4({ service: service!, region: region!, credentials: { accessKeyId: accessKeyId!, secretAccessKey }, sha256: WebCryptoSha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: host.split(":")[0]!,
      ...(host.includes(":") ? { port: Number(host.split(":")[1]) } : {}),
      path: `/ses${request.path}`,
      query: {},
      headers: Object.fromEntries(signedHeaders.map((name) => [name, request.headers[name]!])),
      body: request.body,
    },
    { signingDate: new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z")) },
  );
  return /Signature=([0-9a-f]{64})/.exec(String(signed.headers["authorization"]))![1]!;
}

describe("email through SES", () => {
  it("sends the order confirmation signed with SigV4, with every customer value escaped in HTML", async () => {
    const event = billed({ name: `Ada <script>alert("x")</script> & Co` });
    expect(await notifications(event.subject).notify(event)).toMatchObject({ kind: "done" });

    const [request] = await sesFor(event.subject);
    expect(request).toBeDefined();
    expect(request!.path).toBe("/v2/email/outbound-emails");
    expect(request!.headers["authorization"]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDUNITTEST\/\d{8}\/us-east-1\/ses\/aws4_request/);
    expect(/Signature=([0-9a-f]{64})/.exec(request!.headers["authorization"]!)![1]).toBe(await expectedSignature(request!, "unit-test-secret-key"));

    const sent = JSON.parse(request!.body);
    expect(sent).toMatchObject({ FromEmailAddress: "orders@shop.example", Destination: { ToAddresses: ["ada@example.com"] } });
    const { Subject, Body } = sent.Content.Simple;
    expect(Subject.Data).toBe(`Choreo Shop: order ${event.subject} confirmed`);
    expect(Body.Text.Data).toContain(`Hello Ada <script>alert("x")</script> & Co,`);
    expect(Body.Text.Data).toContain("2 × Choreo mug (MUG-001): $30.00");
    expect(Body.Html.Data).toContain("Hello Ada &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co,");
    expect(Body.Html.Data).not.toContain("<script>");

    const line = channelLine(await notifications(event.subject).log(), "email");
    const [email] = (await sandboxObjects<{ id: string; to: string[] }>("email")).filter((m) => m.id === line?.providerMessageId);
    expect(line).toMatchObject({ channel: "email", template: "order_confirmation", status: "sent", attempts: 1, to: "ada@example.com", eventId: event.id });
    expect(email?.to).toEqual(["ada@example.com"]);
  });

  it("signs each of several emails correctly (the day's signing key is kept between them)", async () => {
    const first = billed();
    const second = billed();
    await notifications(first.subject).notify(first);
    await notifications(second.subject).notify(second);
    for (const event of [first, second]) {
      const [request] = await sesFor(event.subject);
      expect(/Signature=([0-9a-f]{64})/.exec(request!.headers["authorization"]!)![1]).toBe(await expectedSignature(request!, "unit-test-secret-key"));
    }
  });

  it("a signature made with another secret does not match", async () => {
    const event = billed();
    await notifications(event.subject).notify(event);
    const [request] = await sesFor(event.subject);
    const actual = /Signature=([0-9a-f]{64})/.exec(request!.headers["authorization"]!)![1];
    expect(actual).not.toBe(await expectedSignature(request!, "some-other-secret"));
  });

  it("never sends the same email twice for a redelivered event, or the same event under a new id", async () => {
    const event = billed();
    const inbox = notifications(event.subject);
    await Promise.all([inbox.notify(event), inbox.notify(event)]);
    await inbox.notify(event);
    expect(await inbox.notify({ ...event, id: crypto.randomUUID() })).toMatchObject({ kind: "done" });
    expect(await sesFor(event.subject)).toHaveLength(1);
  });

  it("keeps the results of a billed and a ready snapshot that arrive together, in the stored log", async () => {
    const order = placed();
    const inbox = notifications(order.subject);
    const outcomes = await Promise.all([inbox.notify(paymentStatusEvent(order, "billed")), inbox.notify(statusChangedEvent(order, "ready_to_ship"))]);
    expect(outcomes.map((o) => o.kind)).toEqual(["done", "done"]);
    const stored = await runInDurableObject(inbox, async (_instance: Notifications, state) => state.storage.kv.get<{ lines: NotificationRecord[] }>("log"));
    expect(stored?.lines.map((line) => `${line.channel}:${line.template}:${line.status}`).sort()).toEqual([
      "email:order_confirmation:sent",
      "email:shipping_notice:sent",
      "sms:order_confirmation:sent",
      "sms:shipping_notice:sent",
    ]);
    expect(await sesFor(order.subject)).toHaveLength(2);
  });

  it("texts once when Twilio's answer was lost: the retry finds the text Twilio took", async () => {
    const event = billed();
    const inbox = notifications(event.subject);
    await fault({ provider: "twilio", mode: "lost", remaining: 1 });
    expect(await inbox.notify(event)).toMatchObject({ kind: "retry", reason: expect.stringContaining("504") });
    expect(await inbox.notify(event, { attempts: 2 })).toMatchObject({ kind: "done" });
    const texts = (await sandboxObjects<{ sid: string; body: string }>("sms")).filter((sms) => sms.body.includes(event.subject));
    expect(texts).toHaveLength(1);
    expect(channelLine(await inbox.log(), "sms")).toMatchObject({ status: "sent", attempts: 2, providerMessageId: texts[0]!.sid });
  });

  it("texts once after a crash between the send and the write: a redelivery looks the text up first", async () => {
    const event = billed();
    const inbox = notifications(event.subject);
    await inbox.notify(event);
    // The crash: the sends happened, the log did not keep them.
    await runInDurableObject(inbox, async (_instance: Notifications, state) => state.storage.kv.delete("log"));
    expect(await inbox.notify(event, { attempts: 2 })).toMatchObject({ kind: "done" });
    expect((await sandboxObjects<{ body: string }>("sms")).filter((sms) => sms.body.includes(event.subject))).toHaveLength(1);
    // SES offers no lookup: an email whose outcome is unknown is sent again (at least once, docs/operations.md).
    expect((await sandboxObjects<{ text: string }>("email")).filter((email) => email.text.includes(event.subject))).toHaveLength(2);
  });

  it("retries while SES is down and sends exactly once when it is back", async () => {
    const event = billed();
    const inbox = notifications(event.subject);
    await fault({ provider: "ses", mode: "down" });
    try {
      expect(await inbox.notify(event)).toMatchObject({ kind: "retry", reason: expect.stringContaining("503") });
      expect(await inbox.notify(event)).toMatchObject({ kind: "retry" });
      expect(channelLine(await inbox.log(), "email")).toMatchObject({ status: "retrying", attempts: 2, lastError: { message: expect.stringContaining("503") } });
    } finally {
      await fault({ provider: "ses", mode: "ok" });
    }
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    await inbox.notify(event);
    const outcomes = (await sesFor(event.subject)).map((r) => r.outcome);
    expect(outcomes).toEqual(["fault:down", "fault:down", "sent"]);
    expect(channelLine(await inbox.log(), "email")).toMatchObject({ status: "sent", attempts: 3 });
    // The SMS of the same event went out on the first delivery and was never sent again.
    expect(channelLine(await inbox.log(), "sms")).toMatchObject({ status: "sent", attempts: 1 });
    expect(await twilioFor(event.subject)).toHaveLength(1);
  });

  it("honours SES's Retry-After when throttled", async () => {
    await fault({ provider: "ses", mode: "throttle", retryAfterSeconds: 42, remaining: 1 });
    const event = billed();
    expect(await notifications(event.subject).notify(event)).toEqual({ kind: "retry", reason: expect.stringContaining("429"), afterSeconds: 42 });
  });

  it.each([
    ["rejected@example.com", "MessageRejected", "Email address is not verified."],
    ["suspended@example.com", "AccountSuspendedException", "Your account has been suspended."],
  ])("records %s as failed (%s) without retrying", async (email, code, message) => {
    const event = billed({ email });
    const inbox = notifications(event.subject);
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    expect(channelLine(await inbox.log(), "email")).toMatchObject({ status: "failed", attempts: 1, lastError: { code, message } });
    expect(await sesFor(event.subject)).toHaveLength(1);
  });

  it("sends the shipping notice with the tracking number from the ready_to_ship snapshot", async () => {
    const event = placed();
    const inbox = notifications(event.subject);
    expect(await inbox.notify(statusChangedEvent(event))).toMatchObject({ kind: "done" });
    const notice = (await sesFor(event.subject)).map((r) => JSON.parse(r.body).Content.Simple).find((c) => c.Subject.Data.includes("on its way"));
    expect(notice.Body.Text.Data).toContain("Tracking number: 9400000000000000000001");
    expect(notice.Body.Text.Data).toContain("USPS Priority Mail");
  });

  it("confirms an order only once it is paid: placed and declined orders get no confirmation", async () => {
    const event = placed();
    const inbox = notifications(event.subject);
    const declined = paymentStatusEvent(event, "billing_failed");
    expect(await inbox.notify(declined)).toMatchObject({ kind: "done", note: expect.stringContaining("no sms for order.status_changed.v1") });
    expect(await inbox.notify(declined)).toMatchObject({ kind: "done", note: expect.stringContaining("email:payment_failed already sent") });
    expect((await sesFor(event.subject)).map((r) => JSON.parse(r.body).Content.Simple.Subject.Data)).toEqual([`Choreo Shop: payment for order ${event.subject} failed`]);
    expect(await twilioFor(event.subject)).toEqual([]);
    expect((await inbox.log()).map((l) => `${l.channel}:${l.template}`)).toEqual(["email:payment_failed"]);
  });

  it("sends no shipping notice for a label the order never shipped with (status not ready_to_ship)", async () => {
    const event = billed();
    const inbox = notifications(event.subject);
    await inbox.notify(event);
    const cancelled = statusChangedEvent(placedEvent(event.subject), "cancelled");
    expect(await inbox.notify(cancelled)).toMatchObject({ kind: "done", note: "no email for order.status_changed.v1; no sms for order.status_changed.v1" });
    expect((await sesFor(event.subject)).map((r) => JSON.parse(r.body).Content.Simple.Subject.Data)).toEqual([
      `Choreo Shop: order ${event.subject} confirmed`,
    ]);
  });

  it("sends the payment-failed notice from the declined snapshot, with the reason escaped", async () => {
    const declined = paymentStatusEvent(placed(), "billing_failed", "card_declined: Your card was <declined>.");
    const inbox = notifications(declined.subject);
    expect(await inbox.notify(declined)).toMatchObject({ kind: "done" });
    const [body] = (await sesFor(declined.subject)).map((r) => JSON.parse(r.body).Content.Simple);
    expect(body.Subject.Data).toBe(`Choreo Shop: payment for order ${declined.subject} failed`);
    expect(body.Body.Text.Data).toContain("We could not charge $30.00");
    expect(body.Body.Html.Data).toContain("Your card was &#60;declined&#62;.");
  });

  it("sends the refund notice once a snapshot has named the customer", async () => {
    const event = placed();
    const orderId = event.subject;
    const refunded = orderRefunded.create(
      { orderId, invoiceId: "inv_1", paymentId: "pi_1", refundId: "re_1", amount: 1250, currency: "EUR", reason: "customer_cancelled", refundedAt: new Date().toISOString() },
      { subject: orderId, causedBy: event },
    );
    const inbox = notifications(orderId);
    // A refund after a cancellation can overtake the cancelled snapshot: it waits for the customer.
    expect(await inbox.notify(refunded)).toMatchObject({ kind: "retry", reason: expect.stringContaining("status snapshot") });
    expect(await inbox.notify(statusChangedEvent(event, "cancelled"))).toMatchObject({ kind: "done" });
    expect(await inbox.notify(refunded)).toMatchObject({ kind: "done" });
    const bodies = (await sesFor(orderId)).map((r) => JSON.parse(r.body).Content.Simple);
    expect(bodies.map((b) => b.Subject.Data)).toEqual([`Choreo Shop: refund for order ${orderId}`]);
    expect(bodies[0].Body.Text.Data).toContain("We refunded €12.50");
    expect((await inbox.log()).map((l) => `${l.template}:${l.status}`)).toEqual(["refund_notice:sent"]);
  });
});

describe("SMS through Twilio", () => {
  it("sends a form-encoded message with Basic auth", async () => {
    const event = billed();
    expect(await notifications(event.subject).notify(event)).toMatchObject({ kind: "done" });
    const [request] = await twilioFor(event.subject);
    expect(request!.path).toBe("/2010-04-01/Accounts/ACunittest/Messages.json");
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request!.headers["authorization"]).toBe(`Basic ${btoa("ACunittest:unit-test-token")}`);
    const form = new URLSearchParams(request!.body);
    expect([...form.keys()]).toEqual(["To", "From", "Body"]);
    expect(form.get("To")).toBe("+14155550100");
    expect(form.get("From")).toBe("+15005550006");
    expect(form.get("Body")).toBe(`Choreo Shop: order ${event.subject} confirmed, paid $30.00. We'll text you when it ships.`);
    // "+" and spaces survive the encoding: the raw body never carries a bare "+".
    expect(request!.body).toContain("To=%2B14155550100");
    const line = channelLine(await notifications(event.subject).log(), "sms");
    expect(line).toMatchObject({ channel: "sms", status: "sent", providerMessageId: expect.stringMatching(/^SM/) });
  });

  it("sends no SMS for an order without a phone number, and says so in the log", async () => {
    const event = placedEvent();
    const { phone: _phone, ...customer } = event.data.customer;
    const noPhone = paymentStatusEvent({ ...event, data: { ...event.data, customer } }, "billed");
    expect(await notifications(event.subject).notify(noPhone)).toMatchObject({ kind: "done" });
    expect(await twilioFor(event.subject)).toHaveLength(0);
    expect((await notifications(event.subject).log()).filter((line) => line.channel === "sms")).toEqual([
      expect.objectContaining({ channel: "sms", template: "order_confirmation", status: "skipped", attempts: 0, lastError: { message: "no phone number on the order" } }),
    ]);
  });

  it.each([
    ["+15005550001", "21211"],
    ["+15005550004", "21610"],
    ["+15005550009", "21614"],
  ])("records Twilio's refusal of %s (%s) as failed without retrying", async (phone, code) => {
    const event = billed({ phone });
    const inbox = notifications(event.subject);
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    expect(channelLine(await inbox.log(), "sms")).toMatchObject({ status: "failed", attempts: 1, lastError: { code } });
    expect(await twilioFor(event.subject)).toHaveLength(1);
  });

  it("retries when Twilio answers 500", async () => {
    await fault({ provider: "twilio", mode: "error", remaining: 1 });
    const event = billed();
    const inbox = notifications(event.subject);
    expect(await inbox.notify(event)).toMatchObject({ kind: "retry", reason: expect.stringContaining("500") });
    expect(await inbox.notify(event)).toMatchObject({ kind: "done" });
    expect(channelLine(await inbox.log(), "sms")).toMatchObject({ status: "sent", attempts: 2 });
    expect(await sesFor(event.subject)).toHaveLength(1); // the email went out the first time, once
  });
});

describe("Integrations' subscriptions", () => {
  it("is sent exactly the status snapshots that call for a notice, and the cancelled one that names a refund's customer", () => {
    const placed = placedEvent();
    const billedSnapshot = paymentStatusEvent(placed, "billed");
    for (const status of OrderStatus.options) {
      const snapshot = { ...billedSnapshot, data: { ...billedSnapshot.data, order: { ...statusChangedEvent(placed).data.order, status } } };
      const notice = templatesFor("email", snapshot).length > 0 || templatesFor("sms", snapshot).length > 0;
      expect(callsForNotice(snapshot), status).toBe(notice || status === "cancelled");
    }
    expect(callsForNotice(refundedEvent(placed.subject))).toBe(true);
  });


  it("the integrations queue handles exactly the event types the topology sends it", () => {
    const handlers = handlersFor({ notifications: e.NOTIFICATIONS, webhooks: e.WEBHOOKS, policy: {}, webhookTypes: async () => undefined });
    expect(Object.keys(handlers).sort()).toEqual(typesFor("integrations").sort());
  });
});
