import type { DeadLetter, DeadLetterReason } from "../contracts/dead-letter";
import { readEvent, type EventOf, type EventType } from "../contracts/events";
import { errorMessage, log } from "./log";
import type { Outcome } from "./outcome";
import { backoffSeconds, type BackoffOptions } from "./retry";
import type { AuditRecord, FaultPlan, SandboxHooks } from "./sandbox-hooks";

export type Delivery = { attempts: number; messageId: string };

export type EventHandlers = {
  [T in EventType]?: (event: EventOf<T>, delivery: Delivery) => Promise<Outcome | void>;
};

/**
 * Every consumer's `max_retries` in wrangler.toml; test/topology.test.ts keeps them equal.
 * With backoff capped at an hour, 20 retries ride out roughly ten hours of a dependency's
 * outage before a message is parked in its dead-letter queue (and can still be replayed).
 */
export const MAX_RETRIES = 20;

export type ConsumerOptions = {
  handlers: EventHandlers;
  /** The queue's dead-letter queue, for messages that can never succeed. */
  deadLetters: Queue;
  backoff?: BackoffOptions;
  /** Deliveries after the first; on the last one a failure is parked with its error. */
  maxRetries?: number;
  /** Dev/test fault injection and delivery audit (see sandbox-hooks.ts); absent in production. */
  sandbox?: SandboxHooks | undefined;
};

export type BatchSummary = { acked: number; retried: number; deadLettered: number };

/**
 * Runs one queue batch: every message is validated, routed by event type and then
 * acked, retried with backoff, or parked in the dead-letter queue on its own, so one
 * bad message never holds back or replays its neighbours.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, options: ConsumerOptions): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, deadLettered: 0 };
  const plan = await options.sandbox?.plan(batch.queue);
  if (plan?.mode === "down") {
    // A stopped service: nothing is handled, everything comes back later.
    for (const message of batch.messages) message.retry({ delaySeconds: 3 });
    return { ...summary, retried: batch.messages.length };
  }
  const audit: AuditRecord[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const { action, event } = await decide(batch.queue, message, options, plan);
      if (event && action.kind !== "retry") audit.push({ kind: action.kind === "ack" ? "consumed" : "dead", queue: batch.queue, eventId: event.id, type: event.type });
      if (action.kind === "ack" && plan && options.sandbox?.chance(plan, plan.duplicateRate, `dup:${message.id}:${message.attempts}`)) {
        // Chaos: the ack is "lost", so the queue delivers this (handled) message again.
        message.retry({ delaySeconds: 1 + (message.attempts % 3) });
        summary.retried++;
        return;
      }
      await settle(batch.queue, message, action, options, summary);
    }),
  );
  await options.sandbox?.audit(audit);
  return summary;
}

type Action =
  | { kind: "ack" }
  | { kind: "retry"; delaySeconds: number; reason: string }
  | { kind: "dead"; reason: DeadLetterReason; error: string };

async function decide(
  queue: string,
  message: Message<unknown>,
  options: ConsumerOptions,
  plan: FaultPlan | undefined,
): Promise<{ action: Action; event?: { id: string; type: string } }> {
  const read = readEvent(message.body);
  if (!read.ok) return { action: { kind: "dead", reason: read.reason, error: read.error } };
  const { event } = read;
  const handler = options.handlers[event.type] as
    | ((event: unknown, delivery: Delivery) => Promise<Outcome | void>)
    | undefined;
  if (!handler) return { action: { kind: "dead", reason: "unsubscribed_type", error: `${queue} has no handler for ${event.type}` }, event };
  let outcome: Outcome | void;
  try {
    if (plan && options.sandbox?.chance(plan, plan.throwRate, `throw:${message.id}:${message.attempts}`)) {
      throw new Error("chaos: consumer crashed before handling");
    }
    outcome = await handler(event, { attempts: message.attempts, messageId: message.id });
  } catch (error) {
    outcome = { kind: "retry", reason: errorMessage(error), ...(plan?.mode === "chaos" ? { afterSeconds: 1 } : {}) };
  }
  return { action: actionFor(queue, message, options, event, outcome), event };
}

function actionFor(queue: string, message: Message<unknown>, options: ConsumerOptions, event: { id: string; type: string; correlationid?: string }, outcome: Outcome | void): Action {
  const context = { queue, eventId: event.id, type: event.type, correlationid: event.correlationid, attempts: message.attempts };
  if (!outcome || outcome.kind === "done") {
    if (outcome?.note) log("info", outcome.note, context);
    return { kind: "ack" };
  }
  if (outcome.kind === "reject") return { kind: "dead", reason: "rejected", error: outcome.reason };
  // Park it ourselves on the last delivery, so the dead letter keeps the error that killed it.
  if (message.attempts > (options.maxRetries ?? MAX_RETRIES)) return { kind: "dead", reason: "retries_exhausted", error: outcome.reason };
  const delaySeconds = outcome.afterSeconds ?? backoffSeconds(message.attempts, options.backoff);
  log("warn", "retrying event", { ...context, reason: outcome.reason, delaySeconds });
  return { kind: "retry", delaySeconds, reason: outcome.reason };
}

async function settle(
  queue: string,
  message: Message<unknown>,
  action: Action,
  options: ConsumerOptions,
  summary: BatchSummary,
): Promise<void> {
  if (action.kind === "ack") {
    message.ack();
    summary.acked++;
    return;
  }
  if (action.kind === "retry") {
    message.retry({ delaySeconds: action.delaySeconds });
    summary.retried++;
    return;
  }
  const letter: DeadLetter = {
    kind: "dead_letter",
    queue,
    reason: action.reason,
    error: action.error,
    attempts: message.attempts,
    failedAt: new Date().toISOString(),
    body: message.body,
  };
  try {
    await options.deadLetters.send(letter, { contentType: "json" });
    log("error", "dead-lettered message", { queue, messageId: message.id, reason: action.reason, error: action.error });
    message.ack();
    summary.deadLettered++;
  } catch (error) {
    // Never drop a message: if the dead-letter queue is unreachable, keep it on its queue.
    log("error", "dead-letter send failed; retrying", { queue, messageId: message.id, error: errorMessage(error) });
    message.retry({ delaySeconds: backoffSeconds(message.attempts, options.backoff) });
    summary.retried++;
  }
}
