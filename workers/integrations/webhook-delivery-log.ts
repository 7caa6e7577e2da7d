import { newId } from "../../src/platform/ids";
import { encodeCursor, pageOf, type After } from "../../src/platform/paging";
import type { AttemptSettlement } from "./webhook-delivery-plan";
import type { DeliveryStatus, DeliveryView } from "./webhook-shapes";
import type { AttemptRow, DeliveryRow } from "./webhook-tables";
import { deliveryViews } from "./webhook-views";

/** A delivery to queue, with the body of its message (read in the same query). */
export type Queued = { id: string; body: string };

const QUEUED = "SELECT d.id, m.body FROM deliveries d JOIN messages m ON m.event_id = d.event_id";
/** Deliveries a retry round is still working on: kept past the retention window until they settle. */
const SETTLED = "status NOT IN ('sending', 'retrying', 'scheduled')";

/** Deliveries, their attempts and the messages they send, in the registry's SQLite; reads and writes only. */
export class DeliveryLog {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  get(id: string): DeliveryRow | undefined {
    return this.sql.exec<DeliveryRow>("SELECT * FROM deliveries WHERE id = ?", id).toArray()[0];
  }

  /** A pending delivery per endpoint of one message, with the ids given; one that exists already keeps its own. */
  add(message: { eventId: string; eventType: string; body: string }, endpointIds: string[], now: number): string[] {
    const ids = endpointIds.map(() => newId("dlv"));
    this.storage.transactionSync(() => {
      this.sql.exec("INSERT OR IGNORE INTO messages (event_id, body) VALUES (?, ?)", message.eventId, message.body);
      endpointIds.forEach((endpointId, i) =>
        this.sql.exec(
          "INSERT OR IGNORE INTO deliveries (id, endpoint_id, event_id, event_type, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
          ids[i],
          endpointId,
          message.eventId,
          message.eventType,
          now,
        ),
      );
    });
    return ids;
  }

  /** The deliveries of an event that never got an attempt. */
  unattempted(eventId: string): Queued[] {
    return this.sql.exec<Queued>(`${QUEUED} WHERE d.event_id = ? AND d.status = 'pending' AND d.attempts = 0`, eventId).toArray();
  }

  body(eventId: string): string {
    return this.sql.exec<{ body: string }>("SELECT body FROM messages WHERE event_id = ?", eventId).one().body;
  }

  markSending(id: string, now: number): void {
    this.sql.exec("UPDATE deliveries SET status = 'sending', started_at = ? WHERE id = ?", now, id);
  }

  markFailed(id: string, error: string): void {
    this.sql.exec("UPDATE deliveries SET status = 'failed', last_error = ? WHERE id = ?", error, id);
  }

  /** An attempt and the delivery's state after it; call inside the transaction that also updates the endpoint. */
  record(settled: AttemptSettlement): void {
    const a = settled.attempt;
    const d = settled.delivery;
    this.sql.exec(
      "INSERT INTO attempts (delivery_id, attempt, at, status_code, latency_ms, response, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ...[a.delivery_id, a.attempt, a.at, a.status_code, a.latency_ms, a.response, a.error],
    );
    this.sql.exec(
      "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, started_at = NULL WHERE id = ?",
      ...[d.status, d.attempts, d.nextAttemptAt, d.lastError, a.delivery_id],
    );
  }

  /** A page of an endpoint's deliveries, newest first, each with its attempts. */
  page(endpointId: string, filter: { status?: DeliveryStatus; limit?: number; after?: After }): { deliveries: DeliveryView[]; nextCursor?: string } {
    const limit = filter.limit ?? 50;
    const rows = this.sql
      .exec<DeliveryRow>(
        `SELECT * FROM deliveries WHERE endpoint_id = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR (created_at, id) < (?3, ?4))
         ORDER BY created_at DESC, id DESC LIMIT ?5`,
        endpointId,
        filter.status ?? null,
        filter.after ? Number(filter.after.key) : null,
        filter.after?.id ?? null,
        limit + 1,
      )
      .toArray();
    const { items, nextCursor } = pageOf(rows, limit, (last) => encodeCursor(last.created_at, last.id));
    return { deliveries: this.views(items), ...(nextCursor ? { nextCursor } : {}) };
  }

  /** One delivery with its attempts. */
  view(id: string): DeliveryView | undefined {
    const row = this.get(id);
    return row && this.views([row])[0];
  }

  /** Deliveries with their attempts (read in one more query). */
  private views(rows: DeliveryRow[]): DeliveryView[] {
    const attempts = this.sql.exec<AttemptRow>(
      "SELECT * FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, attempt",
      JSON.stringify(rows.map((row) => row.id)),
    );
    return deliveryViews(rows, attempts);
  }

  /** Deliveries that may be sent again: one not in flight, or the failed ones created since a time; never test sends. */
  replayable(endpointId: string, which: { deliveryId: string } | { failedSince: number }, testType: string): Queued[] {
    return "deliveryId" in which
      ? this.sql.exec<Queued>(`${QUEUED} WHERE d.id = ? AND d.endpoint_id = ? AND d.status <> 'sending' AND d.event_type <> ?`, which.deliveryId, endpointId, testType).toArray()
      : this.sql.exec<Queued>(`${QUEUED} WHERE d.endpoint_id = ? AND d.status = 'failed' AND d.created_at >= ? AND d.event_type <> ?`, endpointId, which.failedSince, testType).toArray();
  }

  /** Back to pending with a fresh round of the retry schedule; the attempts so far stay in the log. */
  restart(ids: string[]): void {
    this.storage.transactionSync(() => {
      for (const id of ids) this.sql.exec("UPDATE deliveries SET status = 'pending', round_start = attempts, next_attempt_at = NULL WHERE id = ?", id);
    });
  }

  /** Deliveries whose long wait (beyond a queue delay) is over. */
  due(now: number): Queued[] {
    return this.sql.exec<Queued>(`${QUEUED} WHERE d.status = 'scheduled' AND d.next_attempt_at <= ?`, now).toArray();
  }

  markRequeued(now: number): void {
    this.sql.exec("UPDATE deliveries SET status = 'retrying' WHERE status = 'scheduled' AND next_attempt_at <= ?", now);
  }

  /**
   * Deletes up to `batch` settled deliveries created before `cutoff`, oldest first, with their
   * attempts and the messages no other delivery still sends. Returns how many went.
   */
  prune(cutoff: number, batch: number): number {
    const rows = this.sql
      .exec<{ id: string; event_id: string }>(`SELECT id, event_id FROM deliveries WHERE created_at < ? AND ${SETTLED} ORDER BY created_at LIMIT ?`, cutoff, batch)
      .toArray();
    if (rows.length === 0) return 0;
    const ids = JSON.stringify(rows.map((row) => row.id));
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?))", ids);
      this.sql.exec("DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))", ids);
      this.sql.exec(
        "DELETE FROM messages WHERE event_id IN (SELECT value FROM json_each(?)) AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = messages.event_id)",
        JSON.stringify(rows.map((row) => row.event_id)),
      );
    });
    return rows.length;
  }

  /** When the oldest settled delivery was created, if any: it expires first. */
  oldestSettled(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT min(created_at) AS at FROM deliveries WHERE ${SETTLED}`).one().at;
  }

  /** When the alarm must next wake: the earliest long wait, if any. */
  nextScheduled(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'scheduled'").one().at;
  }
}
