import { describe, expect, it } from "vitest";
import { paymentStatusEvent, placedEvent, refundedEvent, statusChangedEvent } from "../../test/fixtures/orders";
import { planNotifications, settleNotifications, type NotificationLog } from "./notification-plan";

// The decisions of the Notifications object, without the object: what an event calls for given
// the order's log, and what the providers' answers make of it.
const now = new Date("2026-11-29T07:00:00.000Z");
const empty: NotificationLog = { lines: [] };

describe("planNotifications", () => {
  it("sends the confirmation of a billed order on both channels, each attempt counted in the log the sends will settle", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    const plan = planNotifications(empty, billed, now);
    expect(plan.changed).toBe(true);
    expect(plan.log.recipient).toMatchObject({ orderId: billed.subject, email: "ada@example.com", phone: "+14155550100" });
    expect(plan.sends).toEqual([
      { channel: "email", template: "order_confirmation", to: "ada@example.com", uncertain: false, since: billed.time },
      { channel: "sms", template: "order_confirmation", to: "+14155550100", uncertain: false, since: billed.time },
    ]);
    expect(plan.log.lines.map((l) => `${l.channel}:${l.status}:${l.attempts}`)).toEqual(["email:sending:1", "sms:sending:1"]);
    expect(plan.outcomes).toEqual([]);
  });

  it("retries only the channel whose provider failed; the other stays sent and is never sent again", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    const first = planNotifications(empty, billed, now);
    const [email, sms] = first.sends;
    const settled = settleNotifications(
      first.log,
      [
        { send: email!, result: { kind: "retryable", reason: "SES answered 503", afterSeconds: 60 } },
        { send: sms!, result: { kind: "sent", messageId: "SM1" } },
      ],
      billed.id,
      now,
    );
    expect(settled.outcomes.map((o) => o.kind)).toEqual(["retry", "done"]);
    const again = planNotifications(settled.log, billed, now);
    // The line was first counted at `now`, before the event's time here: the lookup reaches back to it.
    expect(again.sends).toEqual([{ channel: "email", template: "order_confirmation", to: "ada@example.com", uncertain: true, since: now.toISOString() }]);
    expect(again.outcomes).toEqual([{ kind: "done", note: "sms:order_confirmation already sent" }]);
    expect(again.log.lines.find((l) => l.channel === "email")).toMatchObject({ status: "sending", attempts: 2, lastError: { message: "SES answered 503" } });
    expect(again.log.lines.find((l) => l.channel === "sms")).toMatchObject({ status: "sent", attempts: 1, providerMessageId: "SM1" });
  });

  it("sends nothing for an order that is only placed, but remembers its customer", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    const placedSnapshot = { ...billed, data: { previousStatus: null, order: { ...billed.data.order, status: "placed" as const } } };
    const plan = planNotifications(empty, placedSnapshot, now);
    expect(plan.sends).toEqual([]);
    expect(plan.log).toEqual({ recipient: expect.objectContaining({ email: "ada@example.com" }), lines: [] });
  });

  it("makes a refund that overtook every snapshot wait for its customer, writing nothing", () => {
    const refund = refundedEvent(placedEvent().subject, "customer_cancelled");
    const plan = planNotifications(empty, refund, now);
    expect(plan).toMatchObject({ changed: false, sends: [], outcomes: [{ kind: "retry", afterSeconds: 30 }, { kind: "done", note: "no sms for order.refunded.v1" }] });
  });

  it("sends straight away the first time, and asks the provider first after an attempt whose outcome is unknown", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    const first = planNotifications(empty, billed, now);
    expect(first.sends.map((send) => send.uncertain)).toEqual([false, false]);
    const lost = settleNotifications(first.log, first.sends.map((send) => ({ send, result: { kind: "retryable" as const, reason: "Twilio unreachable: timed out" } })), billed.id, now);
    const again = planNotifications(lost.log, billed, now);
    expect(again.sends.map((send) => [send.channel, send.uncertain])).toEqual([["email", true], ["sms", true]]);
  });

  it("looks a lost confirmation up from its first attempt when the ready_to_ship snapshot, published later, calls for it", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    const firstTry = new Date(Date.parse(billed.time) + 1_000);
    const first = planNotifications(empty, billed, firstTry);
    const lost = settleNotifications(first.log, first.sends.map((send) => ({ send, result: { kind: "retryable" as const, reason: "Twilio answered 504" } })), billed.id, firstTry);
    // The shipment's snapshot comes a minute later, with the confirmation still unsettled: a lookup
    // from its own time would miss the text the first attempt may have sent.
    const ready = { ...billed, id: "evt-ready", time: new Date(Date.parse(billed.time) + 60_000).toISOString(), data: { previousStatus: "billed" as const, order: { ...billed.data.order, status: "ready_to_ship" as const, shipment: { shipmentId: "shp_1", carrier: "usps", service: "Priority", trackingNumber: "9400", labelUrl: "https://label" } } } };
    const again = planNotifications(lost.log, ready, new Date(Date.parse(ready.time) + 1_000));
    const sms = again.sends.filter((send) => send.channel === "sms");
    expect(sms.map((send) => [send.template, send.uncertain, send.since])).toEqual([
      ["order_confirmation", true, firstTry.toISOString()],
      ["shipping_notice", false, ready.time],
    ]);
  });

  it("treats a redelivered event with no line as possibly sent (a crash before the write)", () => {
    const billed = paymentStatusEvent(placedEvent(), "billed");
    expect(planNotifications(empty, billed, now, true).sends.every((send) => send.uncertain)).toBe(true);
  });

  it("skips the SMS of an order without a phone number, and says so in the log", () => {
    const placed = placedEvent();
    const { phone: _phone, ...customer } = placed.data.customer;
    const billed = paymentStatusEvent({ ...placed, data: { ...placed.data, customer } }, "billed");
    const plan = planNotifications(empty, billed, now);
    expect(plan.sends.map((s) => s.channel)).toEqual(["email"]);
    expect(plan.log.lines.find((l) => l.channel === "sms")).toMatchObject({ status: "skipped", attempts: 0, lastError: { message: "no phone number on the order" } });
  });

  it("sends the confirmation before the shipping notice when the ready snapshot comes first", () => {
    const placed = placedEvent();
    const ready = statusChangedEvent(placed, "ready_to_ship");
    const plan = planNotifications(empty, ready, now);
    expect(plan.sends.map((send) => `${send.channel}:${send.template}`)).toEqual([
      "email:order_confirmation",
      "email:shipping_notice",
      "sms:order_confirmation",
      "sms:shipping_notice",
    ]);
    // The billed snapshot, handled after: the confirmation is not sent twice.
    const settled = settleNotifications(plan.log, plan.sends.map((send, i) => ({ send, result: { kind: "sent" as const, messageId: `m${i}` } })), ready.id, now);
    const billed = paymentStatusEvent(placed, "billed");
    expect(planNotifications(settled.log, billed, now).sends).toEqual([]);
  });

  it("gives back the attempt of a notice held behind one that did not go out", () => {
    const ready = statusChangedEvent(placedEvent(), "ready_to_ship");
    const plan = planNotifications(empty, ready, now);
    const [confirmation, shipping] = plan.sends;
    const settled = settleNotifications(
      plan.log,
      [
        { send: confirmation!, result: { kind: "retryable", reason: "SES answered 503", afterSeconds: 30 } },
        { send: shipping!, result: { kind: "held", reason: "waits", afterSeconds: 30 } },
      ],
      ready.id,
      now,
    );
    const line = (template: string) => settled.log.lines.find((l) => l.channel === "email" && l.template === template);
    expect(line("order_confirmation")).toMatchObject({ status: "retrying", attempts: 1 });
    expect(line("shipping_notice")).toMatchObject({ status: "retrying", attempts: 0 });
  });
});
