import { DurableObject } from "cloudflare:workers";
import { orderCancelled } from "../../src/contracts/events";
import type { OrderSnapshot } from "../../src/contracts/order";
import { StoredDocument } from "../../src/platform/document";
import { log } from "../../src/platform/log";
import { Mailbox, OUTBOX_TIMER, queueProducers } from "../../src/platform/mailbox";
import { meteredObject } from "../../src/platform/meter";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { webhookSubscriptionsOf } from "../../src/platform/webhook-subscriptions";
import { done, reject, type Outcome } from "../../src/platform/outcome";
import { runDueTimers, Timers } from "../../src/platform/timers";
import { announce, cancelOrder, openOrder, recordEvent, TERMINAL, type NewOrder, type OrderFactEvent, type OrderState } from "./order-lifecycle";
import { stuckOrdersOf } from "./stuck-orders";
import { deadlineFor, stageLimits, type StageLimits } from "./watchdog";

export type Cancellation =
  | { kind: "cancelled"; order: OrderSnapshot }
  | { kind: "already_cancelled"; order: OrderSnapshot }
  | { kind: "too_late"; order: OrderSnapshot };

const WATCHDOG_TIMER = "watchdog";

/**
 * One order, from placement to "ready to ship" (or its cancellation). Its state, the events
 * it has seen and the events it publishes live in this object's SQLite storage and change
 * together; a watchdog timer reports it if it waits too long at one stage.
 */
export class Order extends DurableObject<SalesEnv> {
  private readonly timers: Timers;
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<OrderState & { reportedStuck?: boolean }>;
  private readonly stageLimits: StageLimits;

  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.timers = new Timers(this.ctx.storage);
    this.document = new StoredDocument(this.ctx.storage.sql, "order_state");
    this.stageLimits = stageLimits(env.STUCK_AFTER_SECONDS);
    this.mailbox = new Mailbox(this.ctx, this.timers, queueProducers(this.env), { sandbox: sandboxHooks(env.SANDBOX_URL), webhookSubscriptions: webhookSubscriptionsOf(this.env) });
  }

  /** Creates the order and its `order.placed` event at once; placing it again returns it unchanged. */
  async place(draft: NewOrder): Promise<{ order: OrderSnapshot; created: boolean }> {
    const existing = this.document.load();
    if (existing) return { order: existing.order, created: false };

    const { state, publish } = openOrder(draft, new Date());
    this.mailbox.commit(() => {
      this.document.save(state);
      this.watch(state.order);
      return { value: undefined, publish: [...publish] };
    });
    return { order: state.order, created: true };
  }

  async view(): Promise<OrderSnapshot | null> {
    return this.document.load()?.order ?? null;
  }

  /** Applies a fact from Billing or Warehouse exactly once, in workflow order. */
  async record(event: OrderFactEvent): Promise<Outcome> {
    const current = this.document.load();
    if (!current) return reject(`order ${event.subject} does not exist`);
    const result = this.mailbox.receive(event.id, () => {
      const now = new Date();
      const next = recordEvent(current, event, now);
      if (!next.changed) return { value: undefined };
      const saved = { ...current, ...next.state };
      this.document.save(saved);
      this.watch(saved.order);
      return { value: next.transitions.length ? saved : undefined, publish: announce(saved.order, next.transitions, event, now) };
    });
    if (result.duplicate) return done(`duplicate ${event.type} ignored`);
    if (result.value) await this.withdrawIfReported(result.value);
    return done();
  }

  /** The customer's cancellation: immediate while the order has no label, then compensated downstream. */
  async cancel(): Promise<Cancellation | null> {
    const current = this.document.load();
    if (!current) return null;
    if (current.order.status === "cancelled") return { kind: "already_cancelled", order: current.order };
    const now = new Date();
    const cancelled = orderCancelled.create(
      { orderId: current.order.id, reason: "customer_request", cancelledAt: now.toISOString() },
      { subject: current.order.id, causedBy: { id: current.order.timeline[0]!.eventId, correlationid: current.order.id }, time: now },
    );
    const next = cancelOrder(current, cancelled, now);
    if (!next) return { kind: "too_late", order: current.order };
    this.mailbox.commit(() => {
      this.document.save({ ...current, ...next.state });
      this.watch(next.state.order);
      return { value: undefined, publish: [cancelled, ...announce(next.state.order, [next.transition], cancelled, now)] };
    });
    await this.withdrawIfReported({ ...current, ...next.state });
    return { kind: "cancelled", order: next.state.order };
  }

  override async alarm(): Promise<void> {
    await runDueTimers(this.timers, {
      [OUTBOX_TIMER]: () => this.mailbox.relay(),
      [WATCHDOG_TIMER]: () => this.reportStuck(),
    });
  }

  /** Keeps the watchdog timer on the current stage's deadline (none once the order has ended). */
  private watch(order: OrderSnapshot): void {
    const since = order.timeline.at(-1)!.at;
    const deadline = deadlineFor(order.status, since, this.stageLimits);
    if (deadline === undefined) this.timers.cancel(WATCHDOG_TIMER);
    else this.timers.schedule(WATCHDOG_TIMER, deadline);
  }

  private async reportStuck(): Promise<void> {
    const state = this.document.load();
    if (!state || TERMINAL.has(state.order.status)) return;
    const { order } = state;
    const since = order.timeline.at(-1)!.at;
    log("warn", "order stuck", { correlationid: order.id, orderId: order.id, status: order.status, since });
    await stuckOrdersOf(this.env).report({ orderId: order.id, status: order.status, since, reportedAt: new Date().toISOString() });
    this.markReported(true);
  }

  private async withdrawIfReported(state: OrderState & { reportedStuck?: boolean }): Promise<void> {
    if (!state.reportedStuck) return;
    await stuckOrdersOf(this.env).resolve(state.order.id);
    this.markReported(false);
    log("info", "stuck order moved on", { correlationid: state.order.id, orderId: state.order.id, status: state.order.status });
  }

  /** Sets the flag on the order as it is now: other events may have moved it during the call. */
  private markReported(reportedStuck: boolean): void {
    this.document.save({ ...this.document.load()!, reportedStuck });
  }
}

