import { done, retry, type Outcome } from "../../src/platform/outcome";
import { MAX_QUEUE_DELAY_SECONDS } from "../../src/platform/retry";
import type { AttemptResult } from "./webhook-attempt";
import { judge } from "./webhook-policy";
import type { DeliveryStatus } from "./webhook-shapes";
import type { AttemptRow, DeliveryRow, EndpointRow } from "./webhook-tables";
import { iso } from "./webhook-views";

// A delivery's state machine as plain functions: the registry reads the rows, asks here what
// follows, and writes what comes back. pending → sending → delivered | retrying | scheduled | failed.

/** An attempt older than this is taken as lost (the 15 s timeout has long passed). */
export const STALE_ATTEMPT_MS = 60_000;
/** How long a second message for a delivery in flight waits before it looks again. */
const IN_FLIGHT_WAIT_SECONDS = 30;

/** What to do about one delivery message before any POST. */
export type StartDecision =
  | { kind: "send" }
  | { kind: "skip"; note: string; failWith?: string }
  | { kind: "wait"; reason: string; afterSeconds: number };

export function decideStart(deliveryId: string, delivery: DeliveryRow | undefined, endpoint: EndpointRow | undefined, now: number): StartDecision {
  if (!delivery) return { kind: "skip", note: `delivery ${deliveryId} no longer exists` };
  if (delivery.status === "delivered" || delivery.status === "failed") return { kind: "skip", note: `delivery ${deliveryId} already ${delivery.status}` };
  if (delivery.status === "sending" && delivery.started_at !== null && now - delivery.started_at < STALE_ATTEMPT_MS) {
    return { kind: "wait", reason: `delivery ${deliveryId} is being attempted`, afterSeconds: IN_FLIGHT_WAIT_SECONDS };
  }
  if (!endpoint) return { kind: "skip", note: `endpoint of ${deliveryId} deleted` };
  if (endpoint.status === "disabled") {
    return { kind: "skip", note: `endpoint ${endpoint.id} is disabled`, failWith: `endpoint disabled: ${endpoint.disabled_reason}` };
  }
  return { kind: "send" };
}

/** An attempt's record and what it changes: the delivery, the endpoint's health, and what happens next. */
export type AttemptSettlement = {
  attempt: AttemptRow;
  delivery: { status: DeliveryStatus; attempts: number; nextAttemptAt: number | null; lastError: string | null };
  failingSince: number | null;
  /** Set when the endpoint is to be disabled, with why. */
  disableEndpoint?: string;
  /** The wait is beyond a queue delay: the registry's alarm re-queues it. */
  viaAlarm: boolean;
  outcome: Outcome;
};

/**
 * Settles an attempt: nothing follows a delivery or a final failure; a retry waits the
 * schedule's next delay on the queue or, past the queue's 12 h limit, for the alarm.
 * `retries: false` (test sends) neither retries nor counts towards the endpoint's health.
 */
export function settleAttempt(
  delivery: DeliveryRow,
  endpoint: EndpointRow,
  result: AttemptResult,
  context: { schedule: readonly number[]; retries: boolean; now: number },
): AttemptSettlement {
  const { now, retries } = context;
  const attempt = delivery.attempts + 1;
  const verdict = judge(result, {
    attemptsInRound: attempt - delivery.round_start,
    schedule: retries ? context.schedule : [],
    failingSince: endpoint.failing_since,
    now,
  });
  const nextAt = verdict.kind === "retry" ? now + verdict.afterSeconds * 1000 : null;
  const viaAlarm = verdict.kind === "retry" && verdict.afterSeconds > MAX_QUEUE_DELAY_SECONDS;
  const status: DeliveryStatus = verdict.kind === "delivered" ? "delivered" : verdict.kind === "failed" ? "failed" : viaAlarm ? "scheduled" : "retrying";
  const failingSince = !retries ? endpoint.failing_since : verdict.kind === "delivered" ? null : (endpoint.failing_since ?? now);
  const label = `webhook ${delivery.id}`;
  const outcome =
    verdict.kind === "delivered"
      ? done(`${label} delivered to ${endpoint.id}`)
      : verdict.kind === "failed"
        ? done(`${label} failed: ${verdict.reason}`)
        : viaAlarm
          ? done(`${label} ${verdict.reason}; next attempt at ${iso(nextAt!)}`)
          : retry(`${label} to ${endpoint.id} ${verdict.reason}`, verdict.afterSeconds);
  return {
    attempt: {
      delivery_id: delivery.id,
      attempt,
      at: now,
      status_code: result.statusCode ?? null,
      latency_ms: result.latencyMs,
      // A test-send goes wherever an admin points it: what answered is not shown back, only how.
      response: delivery.event_type === TEST_EVENT_TYPE ? "" : result.response,
      error: result.error ?? null,
    },
    delivery: { status, attempts: attempt, nextAttemptAt: nextAt, lastError: verdict.kind === "delivered" ? null : verdict.reason },
    failingSince,
    ...(verdict.kind === "failed" && verdict.disableEndpoint ? { disableEndpoint: verdict.disableEndpoint } : {}),
    viaAlarm,
    outcome,
  };
}

export const TEST_EVENT_TYPE = "webhook.test.v1";

/** The body of an admin's test-send: a CloudEvent of its own type, about the endpoint. */
export function testMessage(endpointId: string, eventId: string, now: number): string {
  return JSON.stringify({
    specversion: "1.0",
    id: eventId,
    source: "/integrations",
    type: TEST_EVENT_TYPE,
    time: iso(now),
    subject: endpointId,
    datacontenttype: "application/json",
    data: { message: "A test message from choreo. Verify its signature and answer 2xx." },
    correlationid: endpointId,
  });
}
