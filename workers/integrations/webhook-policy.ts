import type { AttemptResult } from "./webhook-attempt";

/** Standard Webhooks' schedule: seconds before each attempt (immediately, 5 s, 5 min, … 24 h). */
export const STANDARD_SCHEDULE = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400] as const;
/** An endpoint that has failed every attempt for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
/** Answers that mean "slow down": the next attempt honours their Retry-After. */
const THROTTLING = new Set([429, 502, 503, 504]);

export type Verdict =
  | { kind: "delivered" }
  | { kind: "retry"; afterSeconds: number; reason: string }
  | { kind: "failed"; reason: string; disableEndpoint?: string };

/** `WEBHOOK_RETRY_SCHEDULE` ("0,5,300,…"), or the standard schedule when unset or unreadable. */
export function parseSchedule(value: string | undefined): number[] {
  const parsed = (value ?? "").split(",").map((s) => Number(s.trim()));
  return value && parsed.every((n) => Number.isInteger(n) && n >= 0) ? parsed : [...STANDARD_SCHEDULE];
}

function describeAttempt(result: AttemptResult): string {
  return result.statusCode === undefined ? (result.error ?? "no answer") : `answered ${result.statusCode}`;
}

/**
 * What follows one attempt. Only 2xx is success (3xx too is a failure: redirects are not
 * followed); 410 Gone disables the endpoint; anything else is retried on the schedule until
 * it runs out or the endpoint has failed every attempt for five days.
 */
export function judge(
  result: AttemptResult,
  context: { attemptsInRound: number; schedule: readonly number[]; failingSince: number | null; now: number },
): Verdict {
  const status = result.statusCode;
  if (status !== undefined && status >= 200 && status < 300) return { kind: "delivered" };
  const reason = describeAttempt(result);
  if (status === 410) return { kind: "failed", reason, disableEndpoint: "the endpoint answered 410 Gone" };
  const failingSince = context.failingSince ?? context.now;
  if (context.now - failingSince >= DISABLE_AFTER_MS) {
    return { kind: "failed", reason, disableEndpoint: "every attempt failed for 5 days" };
  }
  const next = context.schedule[context.attemptsInRound];
  if (next === undefined) {
    return { kind: "failed", reason: context.schedule.length ? `${reason}; gave up after ${context.attemptsInRound} attempts` : reason };
  }
  const throttled = status !== undefined && THROTTLING.has(status) && result.retryAfterSeconds !== undefined;
  return { kind: "retry", afterSeconds: throttled ? Math.max(next, result.retryAfterSeconds!) : next, reason };
}
