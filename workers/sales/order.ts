import { DurableObject } from "cloudflare:workers";
import { orderCancelled, type OrderCancelled } from "../../src/contracts/events";
import { orderFlowOf, subscriptionsOf } from "../../src/contracts/topology";
import type { FlowStep, OrderFlowTrace, OrderSnapshot } from "../../src/contracts/order";
import { EntityStore } from "../../src/platform/entity";
import { log } from "../../src/platform/log";
import { done, reject, type Outcome } from "../../src/platform/outcome";
import { publishingFor } from "../../src/platform/queues";
import { announce, cancelOrder, openOrder, recordEvent, type NewOrder, type OrderFactEvent, type OrderState } from "./order-lifecycle";
import { stuckOrdersOf } from "./stuck-orders";
import { stageLimits, watchdogCheck, type StageLimits } from "./watchdog";

export type Cancellation =
  | { kind: "cancelled"; order: OrderSnapshot }
  | { kind: "already_cancelled"; order: OrderSnapshot }
  | { kind: "too_late"; order: OrderSnapshot };

export type Placement =
  | { kind: "created"; order: OrderSnapshot }
  /** Placed before, by this same request (same Idempotency-Key and body). */
  | { kind: "existing"; order: OrderSnapshot }
  /** A new order's id whose random part another order's object already has (80 bits: rare beyond measure): mint another id. */
  | { kind: "taken" }
  /** The Idempotency-Key that names this order came with another body. */
  | { kind: "mismatch" };

/**
 * What the order's workflow (orchestration) learns from Sales after each step: where the order
 * stands, and the customer's cancellation, which the workflow compensates.
 */
export type FlowView = { order: OrderSnapshot; cancellation?: OrderCancelled };

type StoredOrder = OrderState & {
  reportedStuck?: boolean;
  /**
   * Set when ORDER_FLOW was "orchestration" as the order was placed: the order runs as a
   * Workflow to its end, whatever the setting becomes. Its steps so far, and the cancellation.
   */
  orchestration?: { steps: FlowStep[]; cancellation?: OrderCancelled };
  /** The placing request's fingerprint, when an Idempotency-Key named this order. */
  requestFingerprint?: string;
};

const flowView = (state: StoredOrder): FlowView =>
  state.orchestration?.cancellation ? { order: state.order, cancellation: state.orchestration.cancellation } : { order: state.order };

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * One order, from placement to "ready to ship" (or its cancellation). Its state, the events it
 * has applied and the events it publishes are one record, written once per change. One alarm
 * serves both the watchdog (an order waiting too long at one stage is reported) and the resend
 * of what a request published and could not send.
 */
export class Order extends DurableObject<SalesEnv> {
  private readonly entity: EntityStore<StoredOrder>;
  private readonly stageLimits: StageLimits;
  /** The alarm as this life knows it: undefined until looked up, null when none is set. */
  private alarmAt: number | null | undefined;
  private failedSends = 0;

  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    this.stageLimits = stageLimits(env.STUCK_AFTER_SECONDS);
    // An orchestrated order's facts come from its workflow, not from the other services' queues.
    this.entity = new EntityStore(this.ctx.storage, publishingFor(this.env, () => subscriptionsOf(this.entity.state?.orchestration ? "orchestration" : "choreography")));
  }

  /**
   * Creates the order and its `order.placed` event in one write and answers at once; the events
   * go out right after. Placing it again returns it unchanged (or `mismatch` for another body).
   */
  async place(draft: NewOrder, requestFingerprint?: string): Promise<Placement> {
    const existing = this.entity.state;
    if (existing) {
      if (requestFingerprint === undefined) return { kind: "taken" };
      return existing.requestFingerprint === requestFingerprint ? { kind: "existing", order: existing.order } : { kind: "mismatch" };
    }
    const { state, publish } = openOrder(draft);
    const orchestrated = orderFlowOf(this.env.ORDER_FLOW) === "orchestration";
    const stored: StoredOrder = { ...state, ...(requestFingerprint ? { requestFingerprint } : {}), ...(orchestrated ? { orchestration: { steps: [] } } : {}) };
    // The events go out after the answer: their sends start once the record is on disk.
    const sending = this.entity.commit({ id: publish[0].id, by: "request" }, stored, publish, { sendAfter: () => this.ctx.storage.sync() });
    // The one alarm an order that flows ever gets, at its first stage's deadline: it serves the
    // watchdog and resends what the placement could not send (a failed send arms it sooner).
    const watchAt = watchdogCheck(state.order, false, this.stageLimits, Date.now()).wakeAt;
    this.alarmAt = null;
    if (watchAt !== undefined) this.setAlarm(watchAt);
    this.ctx.waitUntil(sending.then((sent) => (sent ? undefined : this.arm(false))));
    return { kind: "created", order: state.order };
  }

  async view(orderId: string): Promise<OrderSnapshot | null> {
    return this.stateOf(orderId)?.order ?? null;
  }

  /** The order as its workflow needs it: status, and the cancellation to compensate. */
  async progress(orderId: string): Promise<FlowView | null> {
    const state = this.stateOf(orderId);
    return state ? flowView(state) : null;
  }

  /**
   * A step of the order's workflow reports its fact: recorded exactly as the same fact from a
   * queue, and answered with where the order now stands (a cancellation may have won).
   */
  async advance(event: OrderFactEvent, step: string): Promise<{ outcome: Outcome; progress: FlowView | null }> {
    const outcome = await this.record(event, step);
    return { outcome, progress: await this.progress(event.subject) };
  }

  /** The order with the admin view's account of its flow: choreography, or the workflow's steps so far. */
  async withFlow(orderId: string): Promise<{ order: OrderSnapshot; flow: OrderFlowTrace } | null> {
    const state = this.stateOf(orderId);
    if (!state) return null;
    const flow: OrderFlowTrace = state.orchestration
      ? { kind: "orchestration", workflow: "order-flow", instanceId: state.order.id, steps: state.orchestration.steps }
      : { kind: "choreography" };
    return { order: state.order, flow };
  }

  /** Applies a fact from Billing or Warehouse (or the workflow's `step`) exactly once, in workflow order. */
  async record(event: OrderFactEvent, step?: string): Promise<Outcome> {
    const current = this.stateOf(event.subject);
    if (!current) return reject(`order ${event.subject} does not exist`);
    if (this.entity.hasApplied(event.id)) return this.entity.redelivered(event);
    const now = new Date();
    const next = recordEvent(current, event, now);
    if (!next.changed) return done(`${event.type} told the order nothing new`);
    const saved: StoredOrder = { ...current, ...next.state };
    if (current.orchestration && step) {
      saved.orchestration = { ...current.orchestration, steps: [...current.orchestration.steps, { name: step, event: event.type, at: now.toISOString() }] };
    }
    const outcome = await this.entity.settle(event, saved, announce(saved.order, next.transitions, event, now));
    if (next.transitions.length > 0) {
      await this.withdrawIfReported(saved);
      await this.arm(true);
    }
    return outcome;
  }

  /** The customer's cancellation: immediate while the order has no label, then compensated downstream. */
  async cancel(orderId: string): Promise<Cancellation | null> {
    const current = this.stateOf(orderId);
    if (!current) return null;
    if (current.order.status === "cancelled") return { kind: "already_cancelled", order: current.order };
    const now = new Date();
    const cancelled = orderCancelled.create(
      { orderId: current.order.id, reason: "customer_request", cancelledAt: now.toISOString(), skus: [...new Set(current.order.lines.map((line) => line.sku))] },
      { subject: current.order.id, causedBy: { id: current.order.timeline[0]!.eventId, correlationid: current.order.id }, time: now },
    );
    const next = cancelOrder(current, cancelled, now);
    if (!next) return { kind: "too_late", order: current.order };
    const saved: StoredOrder = { ...current, ...next.state };
    // The workflow compensates from it (refund, stock, label) at its next step.
    if (current.orchestration) saved.orchestration = { ...current.orchestration, cancellation: cancelled };
    const sent = await this.entity.commit({ id: cancelled.id, by: "request" }, saved, [cancelled, ...announce(saved.order, [next.transition], cancelled, now)]);
    // An ended order writes nothing more that would drop them, so drop them now.
    if (sent) this.entity.forgetSent();
    else await this.arm(false);
    await this.withdrawIfReported(saved);
    return { kind: "cancelled", order: next.state.order };
  }

  /**
   * The order this object holds, if `orderId` is its id. The object is named by the id's random
   * part alone (`orderObjectName`), so an id with the same random part and another time part
   * reaches it too: such an id names no order, and every method taking an id answers it as
   * unknown (null, or a rejected fact), writing nothing.
   */
  private stateOf(orderId: string): StoredOrder | undefined {
    const state = this.entity.state;
    return state?.order.id === orderId ? state : undefined;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const sent = await this.entity.flushRequests();
    const state = this.entity.state;
    if (state && watchdogCheck(state.order, state.reportedStuck === true, this.stageLimits, Date.now()).report) await this.reportStuck(state);
    await this.arm(sent);
  }

  /** Points the alarm at the next thing to do (a resend, the watchdog's deadline), moving it only earlier. */
  private async arm(sent: boolean): Promise<void> {
    const state = this.entity.state;
    if (!state) return;
    const now = Date.now();
    this.failedSends = sent ? 0 : this.failedSends + 1;
    const resendAt = this.entity.hasUnsentRequests() && !sent ? now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failedSends - 1)) : undefined;
    const watchAt = watchdogCheck(state.order, state.reportedStuck === true, this.stageLimits, now).wakeAt;
    const due = [resendAt, watchAt].filter((at): at is number => at !== undefined).sort((a, b) => a - b)[0];
    if (due === undefined) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= due) return;
    this.setAlarm(due);
  }

  private setAlarm(at: number): void {
    void this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  private async reportStuck(state: StoredOrder): Promise<void> {
    const { order } = state;
    const since = order.timeline.at(-1)!.at;
    log("warn", "order stuck", { correlationid: order.id, orderId: order.id, status: order.status, since });
    await stuckOrdersOf(this.env).report({ orderId: order.id, status: order.status, since, reportedAt: new Date().toISOString() });
    this.markReported(true);
  }

  private async withdrawIfReported(state: StoredOrder): Promise<void> {
    if (!state.reportedStuck) return;
    await stuckOrdersOf(this.env).resolve(state.order.id);
    this.markReported(false);
    log("info", "stuck order moved on", { correlationid: state.order.id, orderId: state.order.id, status: state.order.status });
  }

  /** Sets the flag on the order as it is now: other events may have moved it during the call. */
  private markReported(reportedStuck: boolean): void {
    this.entity.save({ ...this.entity.state!, reportedStuck });
  }
}
