import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, EventType } from "../../src/contracts/events";
import { newEventId, newId } from "../../src/platform/ids";
import { errorMessage, log } from "../../src/platform/log";
import { chunks } from "../../src/platform/queues";
import { done, retry, type Outcome } from "../../src/platform/outcome";
import { MAX_QUEUE_DELAY_SECONDS } from "../../src/platform/retry";
import { WEBHOOK_SUBSCRIPTIONS_KEY, webhookSubscriptionsFrom } from "../../src/platform/webhook-subscriptions";
import { newSecret, type AttemptResult, type WebhookRequest } from "./webhook-attempt";
import { judge, parseSchedule } from "./webhook-policy";

/** The old secret keeps signing next to the new one this long after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** An attempt older than this is taken as lost (the 15 s timeout has long passed). */
const STALE_ATTEMPT_MS = 60_000;
const TEST_EVENT_TYPE = "webhook.test.v1";
/** This object's own record (sync KV) of whether KV holds the current subscriptions: absent, "stale" or "published". */
const SUBSCRIPTIONS_STATE = "webhook-subscriptions";

export type EndpointInput = { url: string; description?: string; eventTypes?: EventType[] };
export type EndpointPatch = Partial<EndpointInput> & { enabled?: boolean };

export type EndpointView = {
  id: string;
  url: string;
  description: string;
  /** Empty: every event type. */
  eventTypes: EventType[];
  status: "enabled" | "disabled";
  disabledReason?: string;
  failingSince?: string;
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
  activity: { type: string; at: string; detail: string }[];
};

export type DeliveryStatus = "pending" | "sending" | "retrying" | "scheduled" | "delivered" | "failed";

export type DeliveryView = {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  nextAttemptAt?: string;
  lastError?: string;
  createdAt: string;
  attempts: { attempt: number; at: string; statusCode?: number; latencyMs: number; response: string; error?: string }[];
};

/** What the worker should do about one delivery message. */
export type AttemptStart =
  | { kind: "send"; request: WebhookRequest }
  | { kind: "skip"; note: string }
  | { kind: "wait"; reason: string; afterSeconds: number };

type EndpointRow = {
  id: string;
  url: string;
  description: string;
  event_types: string;
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
};

/** A delivery to queue, with the body of its message (read in the same query). */
type Queued = { id: string; body: string };

type DeliveryRow = {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  round_start: number;
  next_attempt_at: number | null;
  last_error: string | null;
  started_at: number | null;
  created_at: number;
};

type AttemptRow = {
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  latency_ms: number;
  response: string;
  error: string | null;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  event_types TEXT NOT NULL,        -- JSON array of event types; [] = all
  status TEXT NOT NULL,             -- enabled | disabled
  disabled_reason TEXT,
  failing_since INTEGER,            -- ms; first failure since the last success
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
  endpoint_id TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,               -- set on rotation: the old secret signs until then
  PRIMARY KEY (endpoint_id, secret)
);
CREATE TABLE IF NOT EXISTS messages (
  event_id TEXT PRIMARY KEY,        -- also the webhook-id, stable across retries and replays
  body TEXT NOT NULL                -- the CloudEvent exactly as signed and sent
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,             -- pending | sending | retrying | scheduled | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  round_start INTEGER NOT NULL DEFAULT 0, -- attempts made before the last replay
  next_attempt_at INTEGER,
  last_error TEXT,
  started_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX IF NOT EXISTS deliveries_by_endpoint ON deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  response TEXT NOT NULL,           -- first 1 KiB of the answer
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE IF NOT EXISTS endpoint_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL,
  type TEXT NOT NULL,               -- endpoint.disabled, …
  at INTEGER NOT NULL,
  detail TEXT NOT NULL
);`;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Webhook endpoints, their secrets and every delivery with its attempts. Deliveries travel
 * as messages on the integrations queue (one per event and endpoint), retried with queue delays
 * up to their 12 h maximum; longer waits of the schedule are kept here and re-queued by the
 * alarm. The HTTP calls happen in the queue consumer, never while this object waits.
 */
export class WebhookRegistry extends DurableObject<IntegrationsEnv> {
  private readonly sql: SqlStorage;
  /** Writes of the subscriptions to KV, one after the other, so the last one written is the latest. */
  private publishing: Promise<void> = Promise.resolve();
  private publications = 0;

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    this.sql = this.ctx.storage.sql;
    this.sql.exec(SCHEMA);
    // Never written (a new deployment, or endpoints older than the set), or a write that failed.
    if (this.ctx.storage.kv.get(SUBSCRIPTIONS_STATE) !== "published") this.ctx.waitUntil(this.publishSubscriptions());
  }

  // ── endpoints ────────────────────────────────────────────────────────────

  async createEndpoint(input: EndpointInput): Promise<{ endpoint: EndpointView; secret: string }> {
    const id = newId("ep");
    const now = Date.now();
    const secret = newSecret();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO endpoints (id, url, description, event_types, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'enabled', ?, ?)",
        id,
        input.url,
        input.description ?? "",
        JSON.stringify(input.eventTypes ?? []),
        now,
        now,
      );
      this.sql.exec("INSERT INTO secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)", id, secret, now);
    });
    await this.publishSubscriptions();
    return { endpoint: this.view(this.endpoint(id)!), secret };
  }

  async listEndpoints(): Promise<EndpointView[]> {
    return this.sql.exec<EndpointRow>("SELECT * FROM endpoints ORDER BY created_at, id").toArray().map((row) => this.view(row));
  }

  async getEndpoint(id: string): Promise<EndpointView | null> {
    const row = this.endpoint(id);
    return row ? this.view(row) : null;
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointView | null> {
    const row = this.endpoint(id);
    if (!row) return null;
    const enable = patch.enabled === true && row.status === "disabled";
    this.sql.exec(
      `UPDATE endpoints SET url = ?, description = ?, event_types = ?, status = ?, disabled_reason = ?, failing_since = ?, updated_at = ? WHERE id = ?`,
      patch.url ?? row.url,
      patch.description ?? row.description,
      patch.eventTypes ? JSON.stringify(patch.eventTypes) : row.event_types,
      patch.enabled === undefined ? row.status : patch.enabled ? "enabled" : "disabled",
      patch.enabled === false ? "disabled by an admin" : enable ? null : row.disabled_reason,
      enable ? null : row.failing_since,
      Date.now(),
      id,
    );
    if (patch.eventTypes || patch.enabled !== undefined) await this.publishSubscriptions();
    return this.view(this.endpoint(id)!);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    if (!this.endpoint(id)) return false;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id = ?)", id);
      for (const table of ["deliveries", "secrets", "endpoint_events"]) this.sql.exec(`DELETE FROM ${table} WHERE endpoint_id = ?`, id);
      this.sql.exec("DELETE FROM endpoints WHERE id = ?", id);
      this.sql.exec("DELETE FROM messages WHERE event_id NOT IN (SELECT event_id FROM deliveries)");
    });
    await this.publishSubscriptions();
    return true;
  }

  /** A new secret; the current one keeps signing alongside it for 24 hours. */
  async rotateSecret(id: string): Promise<{ secret: string; previousSecretExpiresAt: string } | null> {
    if (!this.endpoint(id)) return null;
    const now = Date.now();
    const secret = newSecret();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM secrets WHERE endpoint_id = ? AND expires_at IS NOT NULL", id);
      this.sql.exec("UPDATE secrets SET expires_at = ? WHERE endpoint_id = ?", now + ROTATION_OVERLAP_MS, id);
      this.sql.exec("INSERT INTO secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)", id, secret, now);
    });
    return { secret, previousSecretExpiresAt: iso(now + ROTATION_OVERLAP_MS) };
  }

  // ── deliveries ───────────────────────────────────────────────────────────

  /** One delivery per subscribed endpoint, each queued as its own message. Idempotent per event. */
  async fanOut(event: AnyEvent): Promise<Outcome> {
    const now = Date.now();
    const endpoints = this.sql
      .exec<{ id: string; event_types: string }>("SELECT id, event_types FROM endpoints WHERE status = 'enabled'")
      .toArray()
      .filter((row) => {
        const types = JSON.parse(row.event_types) as string[];
        return types.length === 0 || types.includes(event.type);
      });
    if (endpoints.length === 0) return done(`no endpoint subscribes to ${event.type}`);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR IGNORE INTO messages (event_id, body) VALUES (?, ?)", event.id, JSON.stringify(event));
      for (const endpoint of endpoints) {
        this.sql.exec(
          "INSERT OR IGNORE INTO deliveries (id, endpoint_id, event_id, event_type, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
          newId("dlv"),
          endpoint.id,
          event.id,
          event.type,
          now,
        );
      }
    });
    // A redelivered event re-queues only deliveries that never got an attempt.
    const pending = this.sql
      .exec<Queued>(
        "SELECT d.id, m.body FROM deliveries d JOIN messages m ON m.event_id = d.event_id WHERE d.event_id = ? AND d.status = 'pending' AND d.attempts = 0",
        event.id,
      )
      .toArray();
    try {
      await this.enqueue(pending);
    } catch (error) {
      return retry(`could not queue webhook deliveries: ${errorMessage(error)}`);
    }
    return done(`${pending.length} webhook deliveries queued`);
  }

  /** Marks a delivery as being attempted and hands out what to send, or says why not. */
  async startAttempt(deliveryId: string): Promise<AttemptStart> {
    const delivery = this.delivery(deliveryId);
    if (!delivery) return { kind: "skip", note: `delivery ${deliveryId} no longer exists` };
    if (delivery.status === "delivered" || delivery.status === "failed") return { kind: "skip", note: `delivery ${deliveryId} already ${delivery.status}` };
    const now = Date.now();
    if (delivery.status === "sending" && delivery.started_at !== null && now - delivery.started_at < STALE_ATTEMPT_MS) {
      return { kind: "wait", reason: `delivery ${deliveryId} is being attempted`, afterSeconds: 30 };
    }
    const endpoint = this.endpoint(delivery.endpoint_id);
    if (!endpoint) return { kind: "skip", note: `endpoint of ${deliveryId} deleted` };
    if (endpoint.status === "disabled") {
      this.sql.exec("UPDATE deliveries SET status = 'failed', last_error = ? WHERE id = ?", `endpoint disabled: ${endpoint.disabled_reason}`, deliveryId);
      return { kind: "skip", note: `endpoint ${endpoint.id} is disabled` };
    }
    this.sql.exec("UPDATE deliveries SET status = 'sending', started_at = ? WHERE id = ?", now, deliveryId);
    const body = this.sql.exec<{ body: string }>("SELECT body FROM messages WHERE event_id = ?", delivery.event_id).one().body;
    return { kind: "send", request: { url: endpoint.url, webhookId: delivery.event_id, body, secrets: this.activeSecrets(endpoint.id, now) } };
  }

  /**
   * Records an attempt and decides what follows: nothing (delivered, or failed for good),
   * a queue retry after the schedule's next delay, or, past the queue's 12 h limit, the alarm.
   */
  async finishAttempt(deliveryId: string, result: AttemptResult, options: { retries?: boolean } = {}): Promise<Outcome> {
    const delivery = this.delivery(deliveryId);
    if (!delivery) return done(`delivery ${deliveryId} deleted during its attempt`);
    const endpoint = this.endpoint(delivery.endpoint_id)!;
    const now = Date.now();
    const attempt = delivery.attempts + 1;
    const retries = options.retries !== false;
    const verdict = judge(result, {
      attemptsInRound: attempt - delivery.round_start,
      schedule: retries ? parseSchedule(this.env.WEBHOOK_RETRY_SCHEDULE) : [],
      failingSince: endpoint.failing_since,
      now,
    });
    const error = verdict.kind === "delivered" ? null : verdict.reason;
    const nextAt = verdict.kind === "retry" ? now + verdict.afterSeconds * 1000 : null;
    const viaAlarm = verdict.kind === "retry" && verdict.afterSeconds > MAX_QUEUE_DELAY_SECONDS;
    const status: DeliveryStatus = verdict.kind === "delivered" ? "delivered" : verdict.kind === "failed" ? "failed" : viaAlarm ? "scheduled" : "retrying";

    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO attempts (delivery_id, attempt, at, status_code, latency_ms, response, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
        deliveryId,
        attempt,
        now,
        result.statusCode ?? null,
        result.latencyMs,
        result.response,
        result.error ?? null,
      );
      this.sql.exec(
        "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, started_at = NULL WHERE id = ?",
        status,
        attempt,
        nextAt,
        error,
        deliveryId,
      );
      // Test sends say nothing about the endpoint's health between real deliveries.
      const failingSince = !retries ? endpoint.failing_since : verdict.kind === "delivered" ? null : (endpoint.failing_since ?? now);
      if (failingSince !== endpoint.failing_since) this.sql.exec("UPDATE endpoints SET failing_since = ? WHERE id = ?", failingSince, endpoint.id);
      if (verdict.kind === "failed" && verdict.disableEndpoint) this.disable(endpoint.id, verdict.disableEndpoint, now);
    });
    if (verdict.kind === "failed" && verdict.disableEndpoint) await this.publishSubscriptions();

    switch (verdict.kind) {
      case "delivered":
        return done(`webhook ${deliveryId} delivered to ${endpoint.id}`);
      case "failed":
        return done(`webhook ${deliveryId} failed: ${verdict.reason}`);
      case "retry":
        if (!viaAlarm) return retry(`webhook ${deliveryId} to ${endpoint.id} ${verdict.reason}`, verdict.afterSeconds);
        await this.armAlarm();
        return done(`webhook ${deliveryId} ${verdict.reason}; next attempt at ${iso(nextAt!)}`);
    }
  }

  async deliveries(endpointId: string, filter: { status?: DeliveryStatus; limit?: number } = {}): Promise<DeliveryView[] | null> {
    if (!this.endpoint(endpointId)) return null;
    const rows = this.sql
      .exec<DeliveryRow>(
        "SELECT * FROM deliveries WHERE endpoint_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, id DESC LIMIT ?3",
        endpointId,
        filter.status ?? null,
        filter.limit ?? 50,
      )
      .toArray();
    // The attempts of every listed delivery in one query (one JSON parameter), grouped here.
    const attempts = new Map<string, DeliveryView["attempts"]>();
    const attemptRows = this.sql.exec<AttemptRow>(
      "SELECT * FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, attempt",
      JSON.stringify(rows.map((row) => row.id)),
    );
    for (const a of attemptRows) {
      const list = attempts.get(a.delivery_id) ?? [];
      list.push({
        attempt: a.attempt,
        at: iso(a.at),
        ...(a.status_code === null ? {} : { statusCode: a.status_code }),
        latencyMs: a.latency_ms,
        response: a.response,
        ...(a.error ? { error: a.error } : {}),
      });
      attempts.set(a.delivery_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.event_id,
      eventId: row.event_id,
      eventType: row.event_type,
      status: row.status,
      ...(row.next_attempt_at ? { nextAttemptAt: iso(row.next_attempt_at) } : {}),
      ...(row.last_error ? { lastError: row.last_error } : {}),
      createdAt: iso(row.created_at),
      attempts: attempts.get(row.id) ?? [],
    }));
  }

  /** Sends deliveries again, same webhook-id, with a fresh retry schedule. */
  async replay(endpointId: string, which: { deliveryId: string } | { failedSince: number }): Promise<number | null> {
    const endpoint = this.endpoint(endpointId);
    if (!endpoint) return null;
    // Test messages are not events the queue consumer knows; send a new test instead.
    const rows =
      "deliveryId" in which
        ? this.sql
            .exec<Queued>(
              "SELECT d.id, m.body FROM deliveries d JOIN messages m ON m.event_id = d.event_id WHERE d.id = ? AND d.endpoint_id = ? AND d.status <> 'sending' AND d.event_type <> ?",
              which.deliveryId,
              endpointId,
              TEST_EVENT_TYPE,
            )
            .toArray()
        : this.sql
            .exec<Queued>(
              "SELECT d.id, m.body FROM deliveries d JOIN messages m ON m.event_id = d.event_id WHERE d.endpoint_id = ? AND d.status = 'failed' AND d.created_at >= ? AND d.event_type <> ?",
              endpointId,
              which.failedSince,
              TEST_EVENT_TYPE,
            )
            .toArray();
    if ("deliveryId" in which && rows.length === 0) return null;
    this.ctx.storage.transactionSync(() => {
      for (const { id } of rows) {
        this.sql.exec("UPDATE deliveries SET status = 'pending', round_start = attempts, next_attempt_at = NULL WHERE id = ?", id);
      }
    });
    await this.enqueue(rows);
    return rows.length;
  }

  /** A `webhook.test` delivery to one endpoint, for the admin's test-send. */
  async createTestDelivery(endpointId: string): Promise<string | null> {
    if (!this.endpoint(endpointId)) return null;
    const now = Date.now();
    const eventId = newEventId(now);
    const body = JSON.stringify({
      specversion: "1.0",
      id: eventId,
      source: "/integrations",
      type: TEST_EVENT_TYPE,
      time: iso(now),
      subject: endpointId,
      datacontenttype: "application/json",
      data: { message: "A test message from choreo. Verify its signature and answer 2xx." },
      correlationid: endpointId,
    });
    const id = newId("dlv");
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO messages (event_id, body) VALUES (?, ?)", eventId, body);
      this.sql.exec(
        "INSERT INTO deliveries (id, endpoint_id, event_id, event_type, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
        id,
        endpointId,
        eventId,
        TEST_EVENT_TYPE,
        now,
      );
    });
    return id;
  }

  /** Re-queues the deliveries whose long wait (beyond a queue delay) is over. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.sql
      .exec<Queued>("SELECT d.id, m.body FROM deliveries d JOIN messages m ON m.event_id = d.event_id WHERE d.status = 'scheduled' AND d.next_attempt_at <= ?", now)
      .toArray();
    try {
      await this.enqueue(due);
      this.sql.exec("UPDATE deliveries SET status = 'retrying' WHERE status = 'scheduled' AND next_attempt_at <= ?", now);
    } catch (error) {
      log("warn", "could not re-queue scheduled webhook deliveries", { error: errorMessage(error), due: due.length });
      await this.ctx.storage.setAlarm(now + 60_000);
      return;
    }
    await this.armAlarm();
  }

  // ── internals ────────────────────────────────────────────────────────────

  /**
   * Writes the event types the enabled endpoints take to KV, where publishers read them
   * (src/platform/webhook-subscriptions.ts), after every change to endpoints. A failed write is
   * logged, not thrown (the endpoint change stands), and retried when this object next wakes;
   * until then publishers keep their last set, or send every type when they have none.
   */
  private publishSubscriptions(): Promise<void> {
    const kv = this.env.WEBHOOK_SUBSCRIPTIONS;
    if (!kv) return this.publishing;
    this.ctx.storage.kv.put(SUBSCRIPTIONS_STATE, "stale");
    const publication = ++this.publications;
    this.publishing = this.publishing.then(async () => {
      const endpointTypes = this.sql
        .exec<{ event_types: string }>("SELECT event_types FROM endpoints WHERE status = 'enabled'")
        .toArray()
        .map((row) => JSON.parse(row.event_types) as EventType[]);
      try {
        await kv.put(WEBHOOK_SUBSCRIPTIONS_KEY, JSON.stringify(webhookSubscriptionsFrom(endpointTypes, new Date())));
        // Only the latest write clears "stale": an earlier one may have run before the last change.
        if (publication === this.publications) this.ctx.storage.kv.put(SUBSCRIPTIONS_STATE, "published");
      } catch (error) {
        log("error", "could not write webhook subscriptions to KV; publishers keep their last set", { error: errorMessage(error) });
      }
    });
    return this.publishing;
  }

  /** Each delivery message is a copy of the event naming its delivery (`deliveryid` extension). */
  private async enqueue(deliveries: Queued[]): Promise<void> {
    const events = new Map<string, object>(); // deliveries of one event share its body: parse it once
    const eventOf = (body: string) => {
      let event = events.get(body);
      if (!event) events.set(body, (event = JSON.parse(body) as object));
      return event;
    };
    for (const chunk of chunks(deliveries, (delivery) => delivery.body.length)) {
      const messages = chunk.map(({ id, body }) => ({ body: { ...eventOf(body), deliveryid: id }, contentType: "json" as const }));
      await this.env.INTEGRATIONS_QUEUE.sendBatch(messages);
    }
  }

  private async armAlarm(): Promise<void> {
    const next = this.sql
      .exec<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'scheduled'")
      .one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  private disable(endpointId: string, reason: string, now: number): void {
    this.sql.exec("UPDATE endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?", reason, now, endpointId);
    this.sql.exec("INSERT INTO endpoint_events (endpoint_id, type, at, detail) VALUES (?, 'endpoint.disabled', ?, ?)", endpointId, now, reason);
    log("warn", "endpoint.disabled", { endpointId, reason });
  }

  private activeSecrets(endpointId: string, now: number): string[] {
    return this.sql
      .exec<{ secret: string }>(
        "SELECT secret FROM secrets WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC",
        endpointId,
        now,
      )
      .toArray()
      .map((row) => row.secret);
  }

  private endpoint(id: string): EndpointRow | undefined {
    return this.sql.exec<EndpointRow>("SELECT * FROM endpoints WHERE id = ?", id).toArray()[0];
  }

  private delivery(id: string): DeliveryRow | undefined {
    return this.sql.exec<DeliveryRow>("SELECT * FROM deliveries WHERE id = ?", id).toArray()[0];
  }

  private view(row: EndpointRow): EndpointView {
    const previous = this.sql
      .exec<{ expires_at: number }>("SELECT expires_at FROM secrets WHERE endpoint_id = ? AND expires_at > ?", row.id, Date.now())
      .toArray()[0];
    return {
      id: row.id,
      url: row.url,
      description: row.description,
      eventTypes: JSON.parse(row.event_types) as EventType[],
      status: row.status,
      ...(row.disabled_reason ? { disabledReason: row.disabled_reason } : {}),
      ...(row.failing_since ? { failingSince: iso(row.failing_since) } : {}),
      ...(previous ? { previousSecretExpiresAt: iso(previous.expires_at) } : {}),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      activity: this.sql
        .exec<{ type: string; at: number; detail: string }>("SELECT type, at, detail FROM endpoint_events WHERE endpoint_id = ? ORDER BY seq DESC LIMIT 20", row.id)
        .toArray()
        .map((e) => ({ type: e.type, at: iso(e.at), detail: e.detail })),
    };
  }
}
