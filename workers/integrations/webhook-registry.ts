import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, EventType } from "../../src/contracts/events";
import { newEventId } from "../../src/platform/ids";
import { errorMessage, log } from "../../src/platform/log";
import { chunks } from "../../src/platform/queues";
import { done, retry, type Outcome } from "../../src/platform/outcome";
import { encodeCursor, pageOf, type After } from "../../src/platform/paging";
import { PRUNE_BATCH, PruneAlarm, retentionMs } from "../../src/platform/retention";
import { WEBHOOK_SUBSCRIPTIONS_KEY, webhookSubscriptionsFrom } from "../../src/platform/webhook-subscriptions";
import type { AttemptResult, WebhookRequest } from "./webhook-attempt";
import { DeliveryLog, type Queued } from "./webhook-delivery-log";
import { decideStart, settleAttempt, TEST_EVENT_TYPE, testMessage } from "./webhook-delivery-plan";
import { EndpointStore, patchedEndpoint } from "./webhook-endpoints";
import { parseSchedule } from "./webhook-policy";
import type { DeliveryStatus, DeliveryView, EndpointInput, EndpointPatch, EndpointView, RotatedSecret } from "./webhook-shapes";
import { SCHEMA } from "./webhook-tables";

/** This object's own record (sync KV) of whether KV holds the current subscriptions: absent, "stale" or "published". */
const SUBSCRIPTIONS_STATE = "webhook-subscriptions";
/** How long the alarm waits to try again when the queue refused its re-queue. */
const ALARM_RETRY_MS = 60_000;
/** Svix's window for messages and attempts: long enough to answer "did you send it?", no longer. */
const DEFAULT_RETENTION_DAYS = 90;

/** What the worker should do about one delivery message. */
export type AttemptStart =
  | { kind: "send"; request: WebhookRequest }
  | { kind: "skip"; note: string }
  | { kind: "wait"; reason: string; afterSeconds: number };

/**
 * Webhook endpoints, their secrets and every delivery with its attempts: storage and I/O only;
 * what a delivery does next is decided in webhook-delivery-plan.ts. Deliveries travel as messages
 * on the integrations queue (one per event and endpoint), retried with queue delays up to their
 * 12 h maximum; longer waits are kept here and re-queued by the alarm. The HTTP calls happen in
 * the queue consumer, never while this object waits. Deliveries (with their attempts and the
 * events' bodies, which carry personal data) are deleted WEBHOOK_RETENTION_DAYS after they were
 * created, by the same alarm.
 */
export class WebhookRegistry extends DurableObject<IntegrationsEnv> {
  private readonly endpoints: EndpointStore;
  private readonly deliveryLog: DeliveryLog;
  private readonly pruneAlarm: PruneAlarm;
  /** Writes of the subscriptions to KV, one after the other, so the last one written is the latest. */
  private publishing: Promise<void> = Promise.resolve();
  private publications = 0;

  constructor(ctx: DurableObjectState, env: IntegrationsEnv) {
    super(ctx, env);
    this.ctx.storage.sql.exec(SCHEMA);
    this.endpoints = new EndpointStore(this.ctx.storage);
    this.deliveryLog = new DeliveryLog(this.ctx.storage);
    this.pruneAlarm = new PruneAlarm(this.ctx.storage);
    // Never written (a new deployment, or endpoints older than the set), or a write that failed.
    if (this.ctx.storage.kv.get(SUBSCRIPTIONS_STATE) !== "published") this.ctx.waitUntil(this.publishSubscriptions());
  }

  // ── endpoints ────────────────────────────────────────────────────────────

  async createEndpoint(input: EndpointInput): Promise<{ endpoint: EndpointView; secret: string }> {
    const now = Date.now();
    const { id, secret } = this.endpoints.create(input, now);
    await this.publishSubscriptions();
    return { endpoint: this.endpoints.view(this.endpoints.get(id)!, now), secret };
  }

  async listEndpoints(page: { limit: number; after?: After }): Promise<{ endpoints: EndpointView[]; nextCursor?: string }> {
    const now = Date.now();
    const { items, nextCursor } = pageOf(this.endpoints.list(page.limit + 1, page.after), page.limit, (last) => encodeCursor(last.created_at, last.id));
    return { endpoints: items.map((row) => this.endpoints.view(row, now)), ...(nextCursor ? { nextCursor } : {}) };
  }

  async getEndpoint(id: string): Promise<EndpointView | null> {
    const row = this.endpoints.get(id);
    return row ? this.endpoints.view(row, Date.now()) : null;
  }

  async updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointView | null> {
    const row = this.endpoints.get(id);
    if (!row) return null;
    const now = Date.now();
    const patched = patchedEndpoint(row, patch, now);
    this.endpoints.save(patched);
    if (patch.eventTypes || patch.enabled !== undefined) await this.publishSubscriptions();
    return this.endpoints.view(patched, now);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    if (!this.endpoints.get(id)) return false;
    this.endpoints.delete(id);
    await this.publishSubscriptions();
    return true;
  }

  /** A new secret; the current one keeps signing alongside it for 24 hours. */
  async rotateSecret(id: string): Promise<RotatedSecret | null> {
    return this.endpoints.get(id) ? this.endpoints.rotateSecret(id, Date.now()) : null;
  }

  // ── deliveries ───────────────────────────────────────────────────────────

  /** One delivery per subscribed endpoint, each queued as its own message. Idempotent per event. */
  async fanOut(event: AnyEvent): Promise<Outcome> {
    const now = Date.now();
    const endpoints = this.endpoints.enabled().filter(({ eventTypes }) => eventTypes.length === 0 || eventTypes.includes(event.type));
    if (endpoints.length === 0) return done(`no endpoint subscribes to ${event.type}`);
    this.deliveryLog.add({ eventId: event.id, eventType: event.type, body: JSON.stringify(event) }, endpoints.map((endpoint) => endpoint.id), now);
    await this.pruneAlarm.ensure(now + this.retention);
    // A redelivered event re-queues only deliveries that never got an attempt.
    const pending = this.deliveryLog.unattempted(event.id);
    try {
      await this.enqueue(pending);
    } catch (error) {
      return retry(`could not queue webhook deliveries: ${errorMessage(error)}`);
    }
    return done(`${pending.length} webhook deliveries queued`);
  }

  /** Marks a delivery as being attempted and hands out what to send, or says why not. */
  async startAttempt(deliveryId: string): Promise<AttemptStart> {
    const now = Date.now();
    const delivery = this.deliveryLog.get(deliveryId);
    const endpoint = delivery && this.endpoints.get(delivery.endpoint_id);
    const decision = decideStart(deliveryId, delivery, endpoint, now);
    if (decision.kind === "skip") {
      if (decision.failWith) this.deliveryLog.markFailed(deliveryId, decision.failWith);
      return { kind: "skip", note: decision.note };
    }
    if (decision.kind === "wait") return decision;
    this.deliveryLog.markSending(deliveryId, now);
    const body = this.deliveryLog.body(delivery!.event_id);
    return { kind: "send", request: { url: endpoint!.url, webhookId: delivery!.event_id, body, secrets: this.endpoints.activeSecrets(endpoint!.id, now) } };
  }

  /** Records an attempt and what it settles (webhook-delivery-plan.ts), arming the alarm for a long wait. */
  async finishAttempt(deliveryId: string, result: AttemptResult, options: { retries?: boolean } = {}): Promise<Outcome> {
    const delivery = this.deliveryLog.get(deliveryId);
    if (!delivery) return done(`delivery ${deliveryId} deleted during its attempt`);
    const endpoint = this.endpoints.get(delivery.endpoint_id)!;
    const now = Date.now();
    const settled = settleAttempt(delivery, endpoint, result, {
      schedule: parseSchedule(this.env.WEBHOOK_RETRY_SCHEDULE),
      retries: options.retries !== false,
      now,
    });
    this.ctx.storage.transactionSync(() => {
      this.deliveryLog.record(settled);
      if (settled.failingSince !== endpoint.failing_since) this.endpoints.setFailingSince(endpoint.id, settled.failingSince);
      if (settled.disableEndpoint) this.endpoints.disable(endpoint.id, settled.disableEndpoint, now);
    });
    if (settled.disableEndpoint) await this.publishSubscriptions();
    if (settled.viaAlarm) await this.armAlarm();
    // A delivery that settles after its window (a late replay) is due for pruning at once.
    else await this.pruneAlarm.ensure(delivery.created_at + this.retention);
    return settled.outcome;
  }

  async deliveries(endpointId: string, filter: { status?: DeliveryStatus; limit?: number; after?: After } = {}): Promise<{ deliveries: DeliveryView[]; nextCursor?: string } | null> {
    return this.endpoints.get(endpointId) ? this.deliveryLog.page(endpointId, filter) : null;
  }

  async delivery(deliveryId: string): Promise<DeliveryView | null> {
    return this.deliveryLog.view(deliveryId) ?? null;
  }

  /** Sends deliveries again, same webhook-id, with a fresh retry schedule. */
  async replay(endpointId: string, which: { deliveryId: string } | { failedSince: number }): Promise<number | null> {
    if (!this.endpoints.get(endpointId)) return null;
    // Test messages are not events the queue consumer knows; send a new test instead.
    const rows = this.deliveryLog.replayable(endpointId, which, TEST_EVENT_TYPE);
    if ("deliveryId" in which && rows.length === 0) return null;
    this.deliveryLog.restart(rows.map((row) => row.id));
    await this.enqueue(rows);
    return rows.length;
  }

  /** A `webhook.test` delivery to one endpoint, for the admin's test-send. */
  async createTestDelivery(endpointId: string): Promise<string | null> {
    if (!this.endpoints.get(endpointId)) return null;
    const now = Date.now();
    const eventId = newEventId(now);
    const [id] = this.deliveryLog.add({ eventId, eventType: TEST_EVENT_TYPE, body: testMessage(endpointId, eventId, now) }, [endpointId], now);
    await this.pruneAlarm.ensure(now + this.retention);
    return id!;
  }

  /** Deletes what has outlived the retention window, and re-queues the deliveries whose long wait (beyond a queue delay) is over. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.prune(now);
    const due = this.deliveryLog.due(now);
    try {
      await this.enqueue(due);
      this.deliveryLog.markRequeued(now);
    } catch (error) {
      log("warn", "could not re-queue scheduled webhook deliveries", { error: errorMessage(error), due: due.length });
      await this.ctx.storage.setAlarm(now + ALARM_RETRY_MS);
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
      const endpointTypes = this.endpoints.enabled().map((endpoint) => endpoint.eventTypes as EventType[]);
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

  private get retention(): number {
    return retentionMs(this.env.WEBHOOK_RETENTION_DAYS, DEFAULT_RETENTION_DAYS);
  }

  /** One batch of deliveries past the window, and endpoint activity as old. */
  private prune(now: number): void {
    const cutoff = now - this.retention;
    const pruned = this.deliveryLog.prune(cutoff, PRUNE_BATCH);
    this.endpoints.pruneActivity(cutoff);
    if (pruned > 0) log("info", "webhook deliveries past retention deleted", { deliveries: pruned, createdBefore: new Date(cutoff).toISOString() });
  }

  /** The alarm at the next long wait's end or the next expiry, whichever is first; none when neither. */
  private async armAlarm(): Promise<void> {
    const expiries = [this.deliveryLog.oldestSettled(), this.endpoints.oldestActivity()].map((at) => (at === null ? null : at + this.retention));
    const next = [this.deliveryLog.nextScheduled(), ...expiries].filter((at): at is number => at !== null);
    await this.pruneAlarm.rearm(next.length ? Math.min(...next) : null);
  }
}
