import type { AnyEvent, EventType } from "../contracts/events";
import { producerBindingOf, QUEUES, recipientsOf, type QueueName } from "../contracts/topology";
import { errorMessage, log } from "./log";
import type { AuditRecord, SandboxHooks } from "./sandbox-hooks";
import type { Timers } from "./timers";

export type QueueProducers = Partial<Record<QueueName, Queue>>;

/** Picks every producer binding a worker declares, by the `<QUEUE>_QUEUE` naming rule. */
export function queueProducers(env: object): QueueProducers {
  const producers: QueueProducers = {};
  const bindings = env as Record<string, unknown>;
  for (const queue of QUEUES) {
    const binding = bindings[producerBindingOf(queue)];
    if (binding) producers[queue] = binding as Queue;
  }
  return producers;
}

// WITHOUT ROWID and no AUTOINCREMENT: a row is one row written, with no separate key index
// or sequence table to keep (SQLite rows written are billed, and every order creates these).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS inbox (
  event_id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,  -- in staging order: a new row takes the highest seq + 1
  event TEXT NOT NULL,      -- the CloudEvent, JSON
  pending TEXT NOT NULL,    -- JSON array of queues it has not reached yet
  attempts INTEGER NOT NULL DEFAULT 0
);`;

/** Safety-net delay: if the immediate relay is lost with the object, the alarm resends. */
const ALARM_GRACE_MS = 10_000;
/** The timer (see Timers) under which the outbox schedules its resends. */
export const OUTBOX_TIMER = "outbox";
const MAX_BATCH_MESSAGES = 100;
const RELAY_PAGE = 1_000;
const MAX_BATCH_BYTES = 200_000; // under the 256 KB sendBatch limit, with room for metadata

export type MailboxOptions = {
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Dev/test fault injection and delivery audit (see sandbox-hooks.ts); absent in production. */
  sandbox?: SandboxHooks | undefined;
  /** The event types webhook endpoints take (src/platform/webhook-subscriptions.ts); absent = all. */
  webhookSubscriptions?: () => Promise<ReadonlySet<EventType> | undefined>;
};

type OutboxRow = { seq: number; event: string; pending: string; attempts: number };

/**
 * The inbox and outbox of one Durable Object. A change to the object's state, the record
 * of the event that caused it and the events it publishes commit in one SQLite
 * transaction; the outbox is then relayed at once and, failing that, from the object's
 * alarm (the `outbox` timer) until every subscriber queue has its copy. Exactly-once effects on top of
 * at-least-once queues come from the inbox: a redelivered event id changes nothing.
 */
export class Mailbox {
  private relaying: Promise<void> | undefined;
  private relayAgain = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly timers: Timers,
    private readonly producers: QueueProducers,
    private readonly options: MailboxOptions = {},
  ) {
    ctx.storage.sql.exec(SCHEMA);
    // An object woken after a crash or eviction finishes what its last life staged.
    if (this.pendingCount() > 0) ctx.waitUntil(this.relay());
  }

  /**
   * Applies `change` for an incoming event unless that event was already processed.
   * `change` runs inside the transaction; whatever it returns in `publish` is staged.
   */
  receive<T>(eventId: string, change: () => { value: T; publish?: AnyEvent[] }): { duplicate: true } | { duplicate: false; value: T } {
    const outcome = this.transaction(() => {
      const inserted = this.ctx.storage.sql.exec(
        "INSERT OR IGNORE INTO inbox (event_id, received_at) VALUES (?, ?)",
        eventId,
        Date.now(),
      ).rowsWritten;
      if (inserted === 0) return { duplicate: true as const, staged: 0 };
      const { value, publish = [] } = change();
      return { duplicate: false as const, value, staged: this.stage(publish) };
    });
    this.afterCommit(outcome.staged);
    return outcome.duplicate ? { duplicate: true } : { duplicate: false, value: outcome.value as T };
  }

  /** Records `causeId` as handled, runs `save` and stages `publish`, in one transaction. */
  settle(causeId: string, save: () => void, publish: AnyEvent[] = []): void {
    this.receive(causeId, () => {
      save();
      return { value: undefined, publish };
    });
  }

  /** True when this event id has been processed by this object. */
  hasReceived(eventId: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM inbox WHERE event_id = ?", eventId).toArray().length > 0;
  }

  /** Applies a change that was not caused by an event (an API call) and stages its events. */
  commit<T>(change: () => { value: T; publish?: AnyEvent[] }): T {
    const outcome = this.transaction(() => {
      const { value, publish = [] } = change();
      return { value, staged: this.stage(publish) };
    });
    this.afterCommit(outcome.staged);
    return outcome.value;
  }

  /** Number of events still waiting to reach at least one queue. */
  pendingCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  /** Sends what is pending; a call during a run joins it (resolves when the run ends). */
  relay(): Promise<void> {
    if (this.relaying) return this.relaying;
    this.relaying = (async () => {
      do {
        this.relayAgain = false;
        await this.relayOnce();
      } while (this.relayAgain);
    })().finally(() => {
      this.relaying = undefined;
    });
    return this.relaying;
  }

  /** One SQLite transaction, and the alarm pointed once after it (not at every timer it moves). */
  private transaction<T>(change: () => T): T {
    return this.timers.batch(() => this.ctx.storage.transactionSync(change));
  }

  private stage(events: AnyEvent[]): number {
    let staged = 0;
    const now = Date.now();
    for (const event of events) {
      const queues = recipientsOf(event);
      if (queues.length === 0) continue;
      this.ctx.storage.sql.exec(
        "INSERT INTO outbox (event, pending) VALUES (?, ?)",
        JSON.stringify(event),
        JSON.stringify(queues),
      );
      staged++;
    }
    // The safety net needs the alarm only: a restarted object relays what is pending itself.
    if (staged > 0) this.timers.wakeBy(OUTBOX_TIMER, now + ALARM_GRACE_MS);
    return staged;
  }

  private afterCommit(staged: number): void {
    if (staged === 0) return;
    // Rows staged during a run are picked up by one more pass of that run.
    if (this.relaying) this.relayAgain = true;
    else this.ctx.waitUntil(this.relay());
  }

  private async relayOnce(): Promise<void> {
    const rows = this.ctx.storage.sql
      .exec<OutboxRow>("SELECT seq, event, pending, attempts FROM outbox ORDER BY seq LIMIT ?", RELAY_PAGE)
      .toArray();
    if (rows.length === 0) return;

    const byQueue = new Map<QueueName, { seq: number; body: AnyEvent; size: number; firstTry: boolean }[]>();
    const delivered = new Map<number, Set<QueueName>>();
    // Staged for every possible recipient; a queue the event turns out not to need counts as reached.
    const webhookTypes = await this.options.webhookSubscriptions?.();
    for (const row of rows) {
      const body = JSON.parse(row.event) as AnyEvent;
      const wanted = recipientsOf(body, webhookTypes);
      for (const queue of JSON.parse(row.pending) as QueueName[]) {
        if (!wanted.includes(queue)) {
          delivered.set(row.seq, (delivered.get(row.seq) ?? new Set<QueueName>()).add(queue));
          continue;
        }
        const list = byQueue.get(queue) ?? [];
        list.push({ seq: row.seq, body, size: row.event.length, firstTry: row.attempts === 0 });
        byQueue.set(queue, list);
      }
    }
    const sandbox = this.options.sandbox;
    const published: AuditRecord[] = [];

    await Promise.all(
      [...byQueue].map(async ([queue, items]) => {
        const producer = this.producers[queue];
        if (!producer) {
          log("error", "no producer binding for subscribed queue; event kept in outbox", {
            queue,
            binding: `${queue.toUpperCase()}_QUEUE`,
          });
          return;
        }
        const plan = await sandbox?.plan(queue);
        for (const chunk of chunks(items, (item) => item.size)) {
          try {
            if (plan && chunk.some((item) => item.firstTry && sandbox!.chance(plan, plan.relayFailRate, `relay:${item.body.id}:${queue}`))) {
              throw new Error("chaos: first send of the outbox failed");
            }
            await producer.sendBatch(chunk.map((item) => ({ body: item.body, contentType: "json" as const })));
            if (sandbox) published.push(...chunk.map((item) => ({ kind: "published" as const, queue, eventId: item.body.id, type: item.body.type })));
          } catch (error) {
            log("warn", "outbox relay failed; will retry", { queue, error: errorMessage(error) });
            return;
          }
          for (const item of chunk) {
            const set = delivered.get(item.seq) ?? new Set<QueueName>();
            set.add(queue);
            delivered.set(item.seq, set);
          }
        }
      }),
    );

    await sandbox?.audit(published);
    let maxAttempts = 0;
    this.transaction(() => {
      for (const row of rows) {
        const sent = delivered.get(row.seq);
        const remaining = (JSON.parse(row.pending) as QueueName[]).filter((q) => !sent?.has(q));
        if (remaining.length === 0) {
          this.ctx.storage.sql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
        } else {
          maxAttempts = Math.max(maxAttempts, row.attempts + 1);
          this.ctx.storage.sql.exec(
            "UPDATE outbox SET pending = ?, attempts = ? WHERE seq = ?",
            JSON.stringify(remaining),
            row.attempts + 1,
            row.seq,
          );
        }
      }
    });

    const left = this.pendingCount();
    if (left > 0 && rows.length === RELAY_PAGE && delivered.size === rows.length) {
      this.relayAgain = true; // a full page went out cleanly: keep draining now
    } else if (left > 0) {
      const base = this.options.retryBaseMs ?? 1_000;
      const max = this.options.retryMaxMs ?? 60_000;
      const delay = Math.min(max, base * 2 ** Math.max(0, maxAttempts - 1));
      this.timers.schedule(OUTBOX_TIMER, Date.now() + delay);
    } else {
      this.timers.cancel(OUTBOX_TIMER);
    }
  }
}

/** Splits messages into `sendBatch` calls within its limits: 100 messages, and under 256 KB (`sizeOf` each). */
export function* chunks<T>(items: readonly T[], sizeOf: (item: T) => number): Generator<T[]> {
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) yield current;
}
