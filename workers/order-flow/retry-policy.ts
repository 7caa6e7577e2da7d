import type { WorkflowDynamicDelayContext, WorkflowStepConfig } from "cloudflare:workers";
import { MAX_RETRIES } from "../../src/platform/consumer";
import { backoffSeconds, MAX_BACKOFF_SECONDS, type BackoffOptions } from "../../src/platform/retry";

const AFTER = / \(retry after (\d+) s\)$/;

/** The error a step throws to be tried again, carrying the provider's Retry-After when it gave one. */
export function retryLater(retry: { reason: string; afterSeconds?: number }): Error {
  return new Error(retry.afterSeconds === undefined ? retry.reason : `${retry.reason} (retry after ${retry.afterSeconds} s)`);
}

/**
 * How long before the next try: what the provider asked for, else the queues' own backoff (2 s,
 * 4 s … an hour, or `backoff.maxSeconds`). The backoff doubles with the step's attempts, the
 * short tries a throttle asked for included, as a queue message's attempts do.
 */
export function retryDelaySeconds(attempt: number, error: Error | undefined, backoff: BackoffOptions = {}): number {
  const asked = error && AFTER.exec(error.message)?.[1];
  return asked === undefined || asked === null ? backoffSeconds(attempt, backoff) : Number(asked);
}

/** The longest backoff between two tries of a step, in seconds: RETRY_BACKOFF_MAX_SECONDS, an hour unless set. */
export function backoffMaxSeconds(value: unknown): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 1 ? seconds : MAX_BACKOFF_SECONDS;
}

/**
 * Every provider step: retried as a queue consumer retries a message (the same backoff, the
 * same 20 tries, about ten hours of an outage), each try bounded so a hung call cannot hold
 * the flow. The watchdog reports the order long before the tries run out. `maxBackoffSeconds`
 * caps the backoff (not a wait the provider asked for), as the sandbox caps consumers' under
 * chaos: there every provider call fails one time in ten, a retried label purchase first reads
 * the carrier's list page after page, and the doubling alone would leave an order waiting for
 * many minutes with its Workflow `running` (seen in the 1,500-order soak).
 */
export const providerStep = (maxBackoffSeconds: number) =>
  ({
    retries: {
      limit: MAX_RETRIES,
      delay: ({ ctx, error }: WorkflowDynamicDelayContext) => `${retryDelaySeconds(ctx.attempt, error, { maxSeconds: maxBackoffSeconds })} seconds` as const,
      backoff: "constant",
    },
    timeout: "2 minutes",
  }) satisfies WorkflowStepConfig;
