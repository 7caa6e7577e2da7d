import { z } from "zod";

/**
 * Why a message was parked instead of processed. `invalid_envelope`, `unknown_type`,
 * `unsubscribed_type` and `rejected` never succeed on retry, so they skip the retries;
 * `retries_exhausted` failed on every one of its deliveries.
 */
export const DeadLetterReason = z.enum(["invalid_envelope", "unknown_type", "unsubscribed_type", "rejected", "retries_exhausted"]);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;

/**
 * What the consumer runtime writes to `<queue>-dlq` when it dead-letters a message itself.
 * Messages that exhaust `max_retries` arrive there from Cloudflare as the bare original body.
 */
export const DeadLetter = z.object({
  kind: z.literal("dead_letter"),
  queue: z.string(),
  reason: DeadLetterReason,
  error: z.string(),
  attempts: z.number().int().nonnegative(),
  failedAt: z.iso.datetime({ offset: true }),
  body: z.unknown(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
