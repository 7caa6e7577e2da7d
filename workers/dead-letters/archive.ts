import { DurableObject } from "cloudflare:workers";
import { newId } from "../../src/platform/ids";
import { log } from "../../src/platform/log";
import { encodeCursor, readCursor } from "../../src/platform/paging";
import { PRUNE_BATCH, PruneAlarm, retentionMs } from "../../src/platform/retention";

/** Long enough to notice, fix and replay; a letter carries the whole message, personal data included. */
const DEFAULT_RETENTION_DAYS = 30;
export const LETTER_ID = /^dl_[0-9A-Z]{26}$/;

export type LetterStatus = "parked" | "replayed" | "discarded";

/** A message as it arrived on a dead-letter queue, with what is known of its failure. */
export type IncomingLetter = {
  dedupeKey: string;
  queue: string;
  eventId?: string;
  eventType?: string;
  subject?: string;
  reason: string;
  error: string;
  attempts: number;
  body: string;
  failedAt: string;
};

export type Letter = Omit<IncomingLetter, "dedupeKey" | "failedAt" | "body"> & {
  id: string;
  body: unknown;
  firstFailedAt: string;
  lastFailedAt: string;
  /** How often this message has died (a replay that fails again counts once more). */
  failures: number;
  status: LetterStatus;
  replays: number;
  updatedAt: string;
  /** Why an operator discarded it, when they said. */
  discardReason?: string;
};

export type LetterFilter = {
  queue?: string;
  /** The order (CloudEvents subject) the message was about. */
  subject?: string;
  type?: string;
  status?: LetterStatus;
  since?: string;
  until?: string;
  ids?: string[];
  limit?: number;
  /** Opaque: the last letter of the previous page. */
  cursor?: string;
};

type LetterRow = {
  id: string;
  queue: string;
  event_id: string | null;
  event_type: string | null;
  subject: string | null;
  reason: string;
  error: string;
  attempts: number;
  body: string;
  first_failed_at: string;
  last_failed_at: string;
  failures: number;
  status: LetterStatus;
  replays: number;
  updated_at: string;
  discard_reason: string | null;
};

const toLetter = (row: LetterRow): Letter => ({
  id: row.id,
  queue: row.queue,
  ...(row.event_id ? { eventId: row.event_id } : {}),
  ...(row.event_type ? { eventType: row.event_type } : {}),
  ...(row.subject ? { subject: row.subject } : {}),
  reason: row.reason,
  error: row.error,
  attempts: row.attempts,
  body: JSON.parse(row.body) as unknown,
  firstFailedAt: row.first_failed_at,
  lastFailedAt: row.last_failed_at,
  failures: row.failures,
  status: row.status,
  replays: row.replays,
  updatedAt: row.updated_at,
  ...(row.discard_reason ? { discardReason: row.discard_reason } : {}),
});

/** The one archive: every dead-letter queue parks in it, and the admin API reads it. */
export const archiveOf = (env: DeadLettersEnv) => env.ARCHIVE.get(env.ARCHIVE.idFromName("archive")) as DurableObjectStub<DeadLetterArchive>;

/**
 * Every message any consumer gave up on, kept for DEAD_LETTER_RETENTION_DAYS after it last
 * changed (died, was replayed or discarded), then deleted by the alarm, replayed or not.
 * One object: dead letters are rare, and one table answers "what is stuck, and why".
 */
export class DeadLetterArchive extends DurableObject<DeadLettersEnv> {
  private readonly pruneAlarm: PruneAlarm;

  constructor(ctx: DurableObjectState, env: DeadLettersEnv) {
    super(ctx, env);
    this.pruneAlarm = new PruneAlarm(ctx.storage);
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS letters (
        id TEXT PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,   -- queue + event id: the same message dying twice is one letter
        queue TEXT NOT NULL,               -- the queue it was consumed from, and is replayed to
        event_id TEXT, event_type TEXT, subject TEXT,
        reason TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL,
        body TEXT NOT NULL,                -- the original message body, JSON
        first_failed_at TEXT NOT NULL, last_failed_at TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'parked',
        replays INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS letters_by_time ON letters (last_failed_at, id);
      CREATE INDEX IF NOT EXISTS letters_by_status ON letters (status, last_failed_at);
      CREATE INDEX IF NOT EXISTS letters_by_queue ON letters (queue, last_failed_at);
      CREATE INDEX IF NOT EXISTS letters_by_type ON letters (event_type, last_failed_at);
      CREATE INDEX IF NOT EXISTS letters_by_update ON letters (updated_at);
      CREATE INDEX IF NOT EXISTS letters_by_subject ON letters (subject, last_failed_at);`);
    // Added after the table: archives created before get the column here.
    const columns = this.ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(letters)").toArray();
    if (!columns.some((column) => column.name === "discard_reason")) this.ctx.storage.sql.exec("ALTER TABLE letters ADD COLUMN discard_reason TEXT");
  }

  private get retention(): number {
    return retentionMs(this.env.DEAD_LETTER_RETENTION_DAYS, DEFAULT_RETENTION_DAYS);
  }

  /** Files incoming letters; a message seen before is parked again with its new failure. */
  async park(letters: IncomingLetter[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const letter of letters) {
        this.ctx.storage.sql.exec(
          `INSERT INTO letters (id, dedupe_key, queue, event_id, event_type, subject, reason, error, attempts, body,
             first_failed_at, last_failed_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dedupe_key) DO UPDATE SET
             reason = excluded.reason, error = excluded.error, attempts = excluded.attempts,
             last_failed_at = max(letters.last_failed_at, excluded.last_failed_at),
             failures = letters.failures + 1, status = 'parked', updated_at = excluded.updated_at`,
          newId("dl"),
          letter.dedupeKey,
          letter.queue,
          letter.eventId ?? null,
          letter.eventType ?? null,
          letter.subject ?? null,
          letter.reason,
          letter.error,
          letter.attempts,
          letter.body,
          letter.failedAt,
          letter.failedAt,
          new Date().toISOString(),
        );
      }
    });
    await this.pruneAlarm.ensure(Date.now() + this.retention);
  }

  /** Deletes a batch of letters unchanged for the retention window; the alarm comes back for the rest. */
  override async alarm(): Promise<void> {
    const cutoff = new Date(Date.now() - this.retention).toISOString();
    const sql = this.ctx.storage.sql;
    const gone = sql
      .exec<{ status: LetterStatus }>("DELETE FROM letters WHERE id IN (SELECT id FROM letters WHERE updated_at < ? ORDER BY updated_at LIMIT ?) RETURNING status", cutoff, PRUNE_BATCH)
      .toArray();
    if (gone.length) {
      // Parked ones were never replayed: worth a line, so the loss is visible in the logs.
      log("warn", "dead letters past retention deleted", { letters: gone.length, parked: gone.filter((row) => row.status === "parked").length, unchangedSince: cutoff });
    }
    const oldest = sql.exec<{ at: string | null }>("SELECT min(updated_at) AS at FROM letters").one().at;
    await this.pruneAlarm.rearm(oldest === null ? null : Date.parse(oldest) + this.retention);
  }

  async get(id: string): Promise<Letter | null> {
    const row = this.ctx.storage.sql.exec<LetterRow>("SELECT * FROM letters WHERE id = ?", id).toArray()[0];
    return row ? toLetter(row) : null;
  }

  /** Newest failures first, filtered, one page at a time. */
  async list(filter: LetterFilter): Promise<{ letters: Letter[]; nextCursor?: string }> {
    const limit = Math.min(filter.limit ?? 50, 1000);
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    const where = (clause: string, ...values: (string | number)[]) => {
      clauses.push(clause);
      params.push(...values);
    };
    if (filter.queue) where("queue = ?", filter.queue);
    if (filter.type) where("event_type = ?", filter.type);
    if (filter.subject) where("subject = ?", filter.subject);
    if (filter.status) where("status = ?", filter.status);
    if (filter.since) where("last_failed_at >= ?", filter.since);
    if (filter.until) where("last_failed_at < ?", filter.until);
    // One JSON parameter, not one per id: a statement binds at most 100 parameters.
    if (filter.ids?.length) where("id IN (SELECT value FROM json_each(?))", JSON.stringify(filter.ids));
    const after = filter.cursor ? readCursor(filter.cursor, LETTER_ID) : undefined;
    if (after) where("(last_failed_at, id) < (?, ?)", after.key, after.id);
    const rows = this.ctx.storage.sql
      .exec<LetterRow>(
        `SELECT * FROM letters ${clauses.length ? `WHERE ${clauses.join(" AND ")}` : ""}
         ORDER BY last_failed_at DESC, id DESC LIMIT ?`,
        ...params,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map(toLetter);
    const last = page.at(-1);
    return rows.length > limit && last ? { letters: page, nextCursor: encodeCursor(last.lastFailedAt, last.id) } : { letters: page };
  }

  async markReplayed(ids: string[]): Promise<void> {
    const now = new Date().toISOString();
    for (const id of ids) {
      this.ctx.storage.sql.exec("UPDATE letters SET status = 'replayed', replays = replays + 1, updated_at = ? WHERE id = ?", now, id);
    }
  }

  async discard(id: string, reason?: string): Promise<Letter | null> {
    const row = this.ctx.storage.sql
      .exec<LetterRow>(
        "UPDATE letters SET status = 'discarded', discard_reason = coalesce(?, discard_reason), updated_at = ? WHERE id = ? RETURNING *",
        reason ?? null,
        new Date().toISOString(),
        id,
      )
      .toArray()[0];
    return row ? toLetter(row) : null;
  }
}
