import type { DeadLetter, DeadLetterReason } from "../contracts/dead-letter";
import { readEvent, type AnyEvent, type EventOf, type EventType } from "../contracts/events";
import { errorMessage, log } from "./log";
import type { Outcome } from "./outcome";
import { backoffSeconds, type BackoffOptions } from "./retry";

export type Delivery = { attempts: number; messageId: string };

export type EventHandlers = {
  [T in EventType]?: (event: EventOf<T>, delivery: Delivery) => Promise<Outcome | void>;
};

export type ConsumerOptions = {
  handlers: EventHandlers;
  /** The queue's dead-letter queue, for messages that can never succeed. */
  deadLetters: Queue;
  backoff?: BackoffOptions;
};

export type BatchSummary = { acked: number; retried: number; deadLettered: number };

/**
 * Runs one queue batch: every message is validated, routed by event type and then
 * acked, retried with backoff, or parked in the dead-letter queue on its own, so one
 * bad message never holds back or replays its neighbours.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, options: ConsumerOptions): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, deadLettered: 0 };
  await Promise.all(
    batch.messages.map(async (message) => {
      const action = await decide(batch.queue, message, options);
      await settle(batch.queue, message, action, options, summary);
    }),
  );
  return summary;
}

type Action =
  | { kind: "ack" }
  | { kind: "retry"; delaySeconds: number; reason: string }
  | { kind: "dead"; reason: DeadLetterReason; error: string };

/** Validates a message and checks the queue subscribes to its type; a refusal is a dead letter. */
function admit(queue: string, message: Message<unknown>, subscribed: (type: EventType) => boolean): { event: AnyEvent } | Action {
  const read = readEvent(message.body);
  if (!read.ok) return { kind: "dead", reason: read.reason, error: read.error };
  if (!subscribed(read.event.type)) {
    return { kind: "dead", reason: "unsubscribed_type", error: `${queue} has no handler for ${read.event.type}` };
  }
  return { event: read.event };
}

async function decide(queue: string, message: Message<unknown>, options: ConsumerOptions): Promise<Action> {
  const admitted = admit(queue, message, (type) => options.handlers[type] !== undefined);
  if (!("event" in admitted)) return admitted;
  const { event } = admitted;
  const handler = options.handlers[event.type] as (event: unknown, delivery: Delivery) => Promise<Outcome | void>;
  const outcome = await outcomeOf(() => handler(event, { attempts: message.attempts, messageId: message.id }));
  return actionFor(outcome, message.attempts, options.backoff, {
    queue,
    eventId: event.id,
    type: event.type,
    correlationid: event.correlationid,
    attempts: message.attempts,
  });
}

/** A handler that throws asks for a retry with backoff. */
async function outcomeOf(handle: () => Promise<Outcome | void>): Promise<Outcome | void> {
  try {
    return await handle();
  } catch (error) {
    return { kind: "retry", reason: errorMessage(error) };
  }
}

function actionFor(outcome: Outcome | void, attempts: number, backoff: BackoffOptions | undefined, context: Record<string, unknown>): Action {
  if (!outcome || outcome.kind === "done") {
    if (outcome?.note) log("info", outcome.note, context);
    return { kind: "ack" };
  }
  if (outcome.kind === "reject") return { kind: "dead", reason: "rejected", error: outcome.reason };
  const delaySeconds = outcome.afterSeconds ?? backoffSeconds(attempts, backoff);
  log("warn", "retrying event", { ...context, reason: outcome.reason, delaySeconds });
  return { kind: "retry", delaySeconds, reason: outcome.reason };
}

export type BatchHandler = (events: { event: AnyEvent; delivery: Delivery }[]) => Promise<Outcome | void>;

export type WholeBatchOptions = {
  /** The event types this queue subscribes to; any other type is dead-lettered. */
  types: readonly EventType[];
  /** Applies every valid event of the batch at once (one D1 batch, one object). */
  handle: BatchHandler;
  deadLetters: Queue;
  backoff?: BackoffOptions;
  /** From this delivery attempt on, a failing batch is split to find the messages that fail (default 3). */
  isolateAfter?: number;
};

type Admitted = { message: Message<unknown>; event: AnyEvent };

/**
 * Runs one queue batch for a consumer that applies its events together (a projection):
 * each message is validated and dead-lettered on its own exactly as in `consumeBatch`,
 * and the valid ones share one outcome, so they are acked, retried or parked together.
 * A batch that has failed `isolateAfter` times is halved until the failing messages are on
 * their own, so one bad message does not hold back the other 99 until they all reach the DLQ.
 */
export async function consumeWholeBatch(batch: MessageBatch<unknown>, options: WholeBatchOptions): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, deadLettered: 0 };
  const admitted: Admitted[] = [];
  const refused: Promise<void>[] = [];
  for (const message of batch.messages) {
    const result = admit(batch.queue, message, (type) => options.types.includes(type));
    if ("event" in result) admitted.push({ message, event: result.event });
    else refused.push(settle(batch.queue, message, result, options, summary));
  }
  if (admitted.length > 0) {
    const apply = (part: Admitted[]) =>
      outcomeOf(() => options.handle(part.map(({ message, event }) => ({ event, delivery: { attempts: message.attempts, messageId: message.id } }))));
    const mostTried = (part: Admitted[]) => Math.max(...part.map(({ message }) => message.attempts));
    const outcome = await apply(admitted);
    const parts = mostTried(admitted) >= (options.isolateAfter ?? 3) ? await isolate(admitted, outcome, apply) : [{ part: admitted, outcome }];
    for (const { part, outcome } of parts) {
      const attempts = mostTried(part);
      const action = actionFor(outcome, attempts, options.backoff, { queue: batch.queue, events: part.length, attempts });
      await Promise.all(part.map(({ message }) => settle(batch.queue, message, action, options, summary)));
    }
  }
  await Promise.all(refused);
  return summary;
}

const failed = (outcome: Outcome | void) => outcome !== undefined && outcome.kind !== "done";

/**
 * Bisects a failed part, one half after the other, while exactly one half fails: that is a
 * bad message, found in log2(n) steps. When both halves fail it is an outage, not a message,
 * so splitting stops there and both halves are retried.
 */
async function isolate(
  part: Admitted[],
  outcome: Outcome | void,
  apply: (part: Admitted[]) => Promise<Outcome | void>,
): Promise<{ part: Admitted[]; outcome: Outcome | void }[]> {
  if (!failed(outcome) || part.length === 1) return [{ part, outcome }];
  const halves = [part.slice(0, part.length >> 1), part.slice(part.length >> 1)];
  const outcomes: (Outcome | void)[] = [];
  for (const half of halves) outcomes.push(await apply(half));
  if (outcomes.every(failed)) return halves.map((half, i) => ({ part: half, outcome: outcomes[i] }));
  const found = [];
  for (const [i, half] of halves.entries()) found.push(...(await isolate(half, outcomes[i], apply)));
  return found;
}

async function settle(
  queue: string,
  message: Message<unknown>,
  action: Action,
  options: { deadLetters: Queue; backoff?: BackoffOptions },
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
