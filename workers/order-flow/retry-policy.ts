import type { WorkflowDynamicDelayContext, WorkflowStepConfig } from "cloudflare:workers";
import { MAX_RETRIES } from "../../src/platform/consumer";
import { backoffSeconds } from "../../src/platform/retry";

const AFTER = / \(retry after (\d+) s\)$/;

/** The error a step throws to be tried again, carrying the provider's Retry-After when it gave one. */
export function retryLater(retry: { reason: string; afterSeconds?: number }): Error {
  return new Error(retry.afterSeconds === undefined ? retry.reason : `${retry.reason} (retry after ${retry.afterSeconds} s)`);
}

/** How long before the next try: what the provider asked for, else the queues' own backoff (2 s, 4 s … an hour). */
export function retryDelaySeconds(attempt: number, error: Error | undefined): number {
  const asked = error && AFTER.exec(error.message)?.[1];
  return asked === undefined || asked === null ? backoffSeconds(attempt) : Number(asked);
}

/**
 * Every provider step: retried as a queue consumer retries a message (the same backoff, the
 * same 20 tries, about ten hours of an outage), each try bounded so a hung call cannot hold
 * the flow. The watchdog reports the order long before the tries run out.
 */
export const PROVIDER_STEP = {
  retries: { limit: MAX_RETRIES, delay: ({ ctx, error }: WorkflowDynamicDelayContext) => `${retryDelaySeconds(ctx.attempt, error)} seconds` as const, backoff: "constant" },
  timeout: "2 minutes",
} satisfies WorkflowStepConfig;
