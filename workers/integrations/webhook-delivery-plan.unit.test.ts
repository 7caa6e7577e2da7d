import { describe, expect, it } from "vitest";
import { MAX_QUEUE_DELAY_SECONDS } from "../../src/platform/retry";
import { decideStart, settleAttempt, STALE_ATTEMPT_MS, testMessage } from "./webhook-delivery-plan";
import { DISABLE_AFTER_MS } from "./webhook-policy";
import type { DeliveryRow, EndpointRow } from "./webhook-tables";

// A delivery's state machine without the registry object: what a delivery message may start,
// and what one attempt's answer settles for the delivery, its endpoint and the next attempt.
const now = Date.parse("2026-11-29T07:00:00.000Z");
const endpoint: EndpointRow = {
  id: "ep_1",
  url: "https://example.com/hook",
  description: "",
  event_types: "[]",
  status: "enabled",
  disabled_reason: null,
  failing_since: null,
  created_at: now - 1000,
  updated_at: now - 1000,
};
const delivery: DeliveryRow = {
  id: "dlv_1",
  endpoint_id: "ep_1",
  event_id: "evt_1",
  event_type: "order.placed.v1",
  status: "pending",
  attempts: 0,
  round_start: 0,
  next_attempt_at: null,
  last_error: null,
  started_at: null,
  created_at: now - 1000,
};
const answered = (statusCode: number, retryAfterSeconds?: number) => ({ statusCode, latencyMs: 12, response: "ok", ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
const schedule = [0, 5, 300, 50_400];
const settle = (d: Partial<DeliveryRow>, e: Partial<EndpointRow>, result: ReturnType<typeof answered>, retries = true) =>
  settleAttempt({ ...delivery, ...d }, { ...endpoint, ...e }, result, { schedule, retries, now });

describe("decideStart", () => {
  it("sends a pending delivery to an enabled endpoint", () => {
    expect(decideStart("dlv_1", delivery, endpoint, now)).toEqual({ kind: "send" });
  });

  it("skips a delivery that is gone, settled, or whose endpoint was deleted", () => {
    expect(decideStart("dlv_1", undefined, undefined, now)).toEqual({ kind: "skip", note: "delivery dlv_1 no longer exists" });
    expect(decideStart("dlv_1", { ...delivery, status: "delivered" }, endpoint, now)).toEqual({ kind: "skip", note: "delivery dlv_1 already delivered" });
    expect(decideStart("dlv_1", { ...delivery, status: "failed" }, endpoint, now)).toEqual({ kind: "skip", note: "delivery dlv_1 already failed" });
    expect(decideStart("dlv_1", delivery, undefined, now)).toEqual({ kind: "skip", note: "endpoint of dlv_1 deleted" });
  });

  it("fails the delivery of a disabled endpoint, naming why it is disabled", () => {
    const disabled = { ...endpoint, status: "disabled" as const, disabled_reason: "the endpoint answered 410 Gone" };
    expect(decideStart("dlv_1", delivery, disabled, now)).toEqual({
      kind: "skip",
      note: "endpoint ep_1 is disabled",
      failWith: "endpoint disabled: the endpoint answered 410 Gone",
    });
  });

  it("waits while another attempt is in flight, and takes over one that has gone stale", () => {
    const inFlight = { ...delivery, status: "sending" as const, started_at: now - 1000 };
    expect(decideStart("dlv_1", inFlight, endpoint, now)).toEqual({ kind: "wait", reason: "delivery dlv_1 is being attempted", afterSeconds: 30 });
    expect(decideStart("dlv_1", { ...inFlight, started_at: now - STALE_ATTEMPT_MS }, endpoint, now)).toEqual({ kind: "send" });
  });
});

describe("settleAttempt", () => {
  it("records a 2xx as delivered and ends the endpoint's failure streak", () => {
    const settled = settle({ status: "sending" }, { failing_since: now - 60_000 }, answered(204));
    expect(settled.attempt).toEqual({ delivery_id: "dlv_1", attempt: 1, at: now, status_code: 204, latency_ms: 12, response: "ok", error: null });
    expect(settled.delivery).toEqual({ status: "delivered", attempts: 1, nextAttemptAt: null, lastError: null });
    expect(settled.failingSince).toBeNull();
    expect(settled.viaAlarm).toBe(false);
    expect(settled.outcome).toEqual({ kind: "done", note: "webhook dlv_1 delivered to ep_1" });
  });

  it("retries a failure on the queue after the schedule's next delay and starts the failure streak", () => {
    const settled = settle({}, {}, answered(500));
    expect(settled.delivery).toEqual({ status: "retrying", attempts: 1, nextAttemptAt: now + 5_000, lastError: "answered 500" });
    expect(settled.failingSince).toBe(now);
    expect(settled.outcome).toEqual({ kind: "retry", reason: "webhook dlv_1 to ep_1 answered 500", afterSeconds: 5 });
  });

  it("leaves a wait beyond the queue's 12 h limit to the alarm", () => {
    expect(schedule[3]).toBeGreaterThan(MAX_QUEUE_DELAY_SECONDS);
    const settled = settle({ attempts: 2 }, { failing_since: now - 1000 }, answered(503));
    expect(settled.delivery).toMatchObject({ status: "scheduled", attempts: 3, nextAttemptAt: now + 50_400_000 });
    expect(settled.viaAlarm).toBe(true);
    expect(settled.failingSince).toBe(now - 1000);
    expect(settled.outcome).toEqual({ kind: "done", note: `webhook dlv_1 answered 503; next attempt at ${new Date(now + 50_400_000).toISOString()}` });
  });

  it("counts a replay's attempts from its own round: a fresh schedule, same delivery", () => {
    const settled = settle({ attempts: 4, round_start: 4, status: "pending" }, {}, answered(500));
    expect(settled.delivery).toMatchObject({ status: "retrying", attempts: 5, nextAttemptAt: now + 5_000 });
  });

  it("gives up when the schedule runs out", () => {
    const last = settle({ attempts: 3 }, {}, answered(500));
    expect(last.delivery).toEqual({ status: "failed", attempts: 4, nextAttemptAt: null, lastError: "answered 500; gave up after 4 attempts" });
    expect(last.outcome).toEqual({ kind: "done", note: "webhook dlv_1 failed: answered 500; gave up after 4 attempts" });
  });

  it("disables the endpoint on 410 Gone, and after five days of failures", () => {
    expect(settle({}, {}, answered(410)).disableEndpoint).toBe("the endpoint answered 410 Gone");
    expect(settle({}, { failing_since: now - DISABLE_AFTER_MS }, answered(500)).disableEndpoint).toBe("every attempt failed for 5 days");
    expect(settle({}, {}, answered(500)).disableEndpoint).toBeUndefined();
  });

  it("a test send is tried once and says nothing about the endpoint's health", () => {
    const failed = settle({}, { failing_since: null }, answered(500), false);
    expect(failed.delivery).toEqual({ status: "failed", attempts: 1, nextAttemptAt: null, lastError: "answered 500" });
    expect(failed.failingSince).toBeNull();
    const delivered = settle({}, { failing_since: now - 1000 }, answered(200), false);
    expect(delivered.failingSince).toBe(now - 1000);
  });

  it("keeps the error of an attempt that got no answer", () => {
    const settled = settleAttempt(delivery, endpoint, { latencyMs: 15_000, response: "", error: "no answer within 15 s" }, { schedule, retries: true, now });
    expect(settled.attempt).toMatchObject({ status_code: null, error: "no answer within 15 s" });
    expect(settled.delivery.lastError).toBe("no answer within 15 s");
  });
});

describe("testMessage", () => {
  it("is a CloudEvent of the test type about the endpoint", () => {
    expect(JSON.parse(testMessage("ep_1", "evt_9", now))).toMatchObject({ specversion: "1.0", id: "evt_9", type: "webhook.test.v1", subject: "ep_1", time: "2026-11-29T07:00:00.000Z" });
  });
});
