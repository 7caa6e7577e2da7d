import { DeadLetter } from "../../src/contracts/dead-letter";
import { CloudEvent } from "../../src/contracts/envelope";
import { queueNamed } from "../../src/contracts/topology";
import { sha256Hex } from "../../src/platform/hash";
import type { IncomingLetter } from "./archive";

/** `billing-dlq` (deployed as `<app>-billing-dlq`) holds what the `billing` queue's consumer gave up on. */
const originalQueueOf = (deadLetterQueue: string) => {
  const original = deadLetterQueue.replace(/-dlq$/, "");
  return queueNamed(original) ?? original;
};

/**
 * Turns one message of a dead-letter queue into a letter. The consumer runtime wraps what
 * it parks with the reason and error; a bare body is one Cloudflare moved after the last retry.
 */
export async function readLetter(deadLetterQueue: string, message: Message<unknown>): Promise<IncomingLetter> {
  const wrapped = DeadLetter.safeParse(message.body);
  const original = wrapped.success ? wrapped.data.body : message.body;
  const body = JSON.stringify(original ?? null);
  const event = CloudEvent.safeParse(original);
  const queue = wrapped.success ? wrapped.data.queue : originalQueueOf(deadLetterQueue);
  // Webhook delivery messages are copies of one event, one per endpoint, told apart by `deliveryid`.
  const copy = event.success ? (original as { deliveryid?: unknown }).deliveryid : undefined;
  return {
    dedupeKey: `${queue}:${event.success ? event.data.id : await sha256Hex(body)}${typeof copy === "string" ? `:${copy}` : ""}`,
    queue,
    ...(event.success ? { eventId: event.data.id, eventType: event.data.type, subject: event.data.subject } : {}),
    reason: wrapped.success ? wrapped.data.reason : "retries_exhausted",
    error: wrapped.success ? wrapped.data.error : "failed on every delivery; moved here by Cloudflare Queues",
    attempts: wrapped.success ? wrapped.data.attempts : message.attempts,
    body,
    failedAt: wrapped.success ? wrapped.data.failedAt : message.timestamp.toISOString(),
  };
}
