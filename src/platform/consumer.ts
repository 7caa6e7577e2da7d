import type { DeadLetter, DeadLetterReason } from "../contracts/dead-letter";
import { CloudEvent } from "../contracts/envelope";
import { readEvent, type AnyEvent, type EventOf, type EventType } from "../contracts/events";
import { queueNamed } from "../contracts/topology";
import { errorMessage, log } from "./log";
import type { Outcome } from "./outcome";
import { backoffSeconds, type BackoffOptions } from "./retry";
import { deliveryHooks, type BatchHooks, type DeliveryRecord } from "./delivery-hooks";

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
};

export type BatchSummary = { acked: number; retried: number; deadLettered: number };

/**
 * Runs one queue batch: every message is validated, routed by event type and then
 * acked, retried with backoff, or parked in the dead-letter queue on its own, so one
 * bad message never holds back or replays its neighbours.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, options: ConsumerOptions): Promise<BatchSummary> {
  const summary: BatchSummary = { acked: 0, retried: 0, deadLettered: 0 };
  const hooks = deliveryHooks();
  const faults = await hooks?.batch(batch.queue);
  if (faults?.stopped) return stopped(batch, summary);
  const records: DeliveryRecord[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const { action, event } = await decide(batch.queue, message, options, faults);
      if (hooks && action.kind !== "retry") {
        const known = event ?? identify(message.body);
        if (known) records.push({ kind: action.kind === "ack" ? "consumed" : "dead", queue: batch.queue, eventId: known.id, type: known.type });
      }
      if (action.kind === "ack" && loseAck(message, faults, summary)) return;
      await settle(batch.queue, message, action, options, summary);
    }),
  );
  await hooks?.record(records);
  return summary;
}

/** A stopped service (dev and tests: the sandbox's switch) handles nothing; everything comes back later. */
function stopped(batch: MessageBatch<unknown>, summary: BatchSummary): BatchSummary {
  for (const message of batch.messages) message.retry({ delaySeconds: 3 });
  return { ...summary, retried: batch.messages.length };
}

/** A handled message whose ack a stand-in "loses" (dev and tests), so the queue delivers it again. */
function loseAck(message: Message<unknown>, faults: BatchHooks | undefined, summary: BatchSummary): boolean {
  if (!faults?.loseAck(message)) return false;
  message.retry({ delaySeconds: 1 + (message.attempts % 3) });
  summary.retried++;
  return true;
}

/** The id and type of anything that looks like an event, for the audit of dead letters. */
function identify(body: unknown): { id: string; type: string } | undefined {
  const envelope = CloudEvent.safeParse(body);
  return envelope.success ? { id: envelope.data.id, type: envelope.data.type } : undefined;
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

async function decide(
  queue: string,
  message: Message<unknown>,
  options: ConsumerOptions,
  faults: BatchHooks | undefined,
): Promise<{ action: Action; event?: AnyEvent }> {
  const admitted = admit(queue, message, (type) => options.handlers[type] !== undefined);
  if (!("event" in admitted)) return { action: admitted };
  const { event } = admitted;
  const handler = options.handlers[event.type] as (event: unknown, delivery: Delivery) => Promise<Outcome | void>;
  const outcome = await outcomeOf(() => {
    faults?.beforeHandling(message);
    return handler(event, { attempts: message.attempts, messageId: message.id });
  }, faults?.retryThrownAfterSeconds);
  const context = { queue, eventId: event.id, type: event.type, correlationid: event.correlationid, attempts: message.attempts };
  return { action: actionFor(outcome, message.attempts, cappedBackoff(options.backoff, faults), context), event };
}

/** The backoff, capped where a stand-in asks (its own crashes and lost acks count as attempts). */
const cappedBackoff = (backoff: BackoffOptions | undefined, faults: BatchHooks | undefined): BackoffOptions | undefined =>
  faults?.backoffCapSeconds === undefined ? backoff : { ...backoff, maxSeconds: faults.backoffCapSeconds };

/** A handler that throws asks for a retry (after `thrownRetryAfter` seconds, else with backoff). */
async function outcomeOf(handle: () => Promise<Outcome | void>, thrownRetryAfter?: number): Promise<Outcome | void> {
  try {
    return await handle();
  } catch (error) {
    return thrownRetryAfter === undefined
      ? { kind: "retry", reason: errorMessage(error) }
      : { kind: "retry", reason: errorMessage(error), afterSeconds: thrownRetryAfter };
  }
}

function actionFor(
  outcome: Outcome | void,
  attempts: number,
  backoff: BackoffOptions | undefined,
  context: Record<string, unknown>,
): Action {
  if (!outcome || outcome.kind === "done") {
    if (outcome?.note) log("info", outcome.note, context);
    return { kind: "ack" };
  }
  if (outcome.kind === "reject") return { kind: "dead", reason: "rejected", error: outcome.reason };
  // Park it ourselves on the last delivery, so the dead letter keeps the error that killed it.
  if (attempts > MAX_RETRIES) return { kind: "dead", reason: "retries_exhausted", error: outcome.reason };
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
  const hooks = deliveryHooks();
  const faults = await hooks?.batch(batch.queue);
  if (faults?.stopped) return stopped(batch, summary);
  const audit: DeliveryRecord[] = [];
  const admitted: Admitted[] = [];
  const refused: Promise<void>[] = [];
  for (const message of batch.messages) {
    const result = admit(batch.queue, message, (type) => options.types.includes(type));
    if ("event" in result) admitted.push({ message, event: result.event });
    else {
      const known = hooks && identify(message.body);
      if (known) audit.push({ kind: "dead", queue: batch.queue, eventId: known.id, type: known.type });
      refused.push(settle(batch.queue, message, result, options, summary));
    }
  }
  if (admitted.length > 0) {
    const apply = (part: Admitted[]) =>
      outcomeOf(() => {
        faults?.beforeHandling(part[0]!.message);
        return options.handle(part.map(({ message, event }) => ({ event, delivery: { attempts: message.attempts, messageId: message.id } })));
      }, faults?.retryThrownAfterSeconds);
    const mostTried = (part: Admitted[]) => Math.max(...part.map(({ message }) => message.attempts));
    const outcome = await apply(admitted);
    const parts = mostTried(admitted) >= (options.isolateAfter ?? 3) ? await isolate(admitted, outcome, apply) : [{ part: admitted, outcome }];
    for (const { part, outcome } of parts) {
      const attempts = mostTried(part);
      const action = actionFor(outcome, attempts, cappedBackoff(options.backoff, faults), { queue: batch.queue, events: part.length, attempts });
      await Promise.all(
        part.map(({ message, event }) => {
          if (hooks && action.kind !== "retry") audit.push({ kind: action.kind === "ack" ? "consumed" : "dead", queue: batch.queue, eventId: event.id, type: event.type });
          if (action.kind === "ack" && loseAck(message, faults, summary)) return;
          return settle(batch.queue, message, action, options, summary);
        }),
      );
    }
  }
  await Promise.all(refused);
  await hooks?.record(audit);
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
    queue: queueNamed(queue) ?? queue,
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
