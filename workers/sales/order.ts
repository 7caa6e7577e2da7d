import { DurableObject } from "cloudflare:workers";
import { orderCancelled, orderPlaced, orderStatusChanged } from "../../src/contracts/events";
import type { OrderSnapshot } from "../../src/contracts/order";
import type { Address, Customer } from "../../src/contracts/values";
import { StoredDocument } from "../../src/platform/document";
import { log } from "../../src/platform/log";
import { Mailbox, OUTBOX_TIMER, queueProducers } from "../../src/platform/mailbox";
import { meteredObject } from "../../src/platform/meter";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { done, reject, type Outcome } from "../../src/platform/outcome";
import { runDueTimers, Timers } from "../../src/platform/timers";
import { cancelOrder, recordEvent, TERMINAL, type OrderFactEvent, type OrderState, type Transition } from "./order-lifecycle";
import type { PricedOrder } from "./pricing";
import type { StuckOrders } from "./stuck-orders";
import { deadlineFor, stageLimits } from "./watchdog";

export type NewOrder = PricedOrder & {
  orderId: string;
  customerId: string;
  customer: Customer;
  shippingAddress: Address;
  paymentMethod: string;
};

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

  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.timers = new Timers(this.ctx.storage);
    this.document = new StoredDocument(this.ctx.storage.sql, "order_state");
    this.mailbox = new Mailbox(this.ctx, this.timers, queueProducers(this.env), { sandbox: sandboxHooks(env.SANDBOX_URL) });
  }

  /** Creates the order and its `order.placed` event at once; placing it again returns it unchanged. */
  async place(draft: NewOrder): Promise<{ order: OrderSnapshot; created: boolean }> {
    const existing = this.document.load();
    if (existing) return { order: existing.order, created: false };

    const now = new Date();
    const { orderId, paymentMethod, ...details } = draft;
    const placed = orderPlaced.create({ orderId, ...details, paymentMethod, placedAt: now.toISOString() }, { subject: orderId, time: now });
    const order: OrderSnapshot = {
      id: orderId,
      version: 1,
      status: "placed",
      ...details,
      placedAt: placed.time,
      updatedAt: placed.time,
      timeline: [{ status: "placed", eventId: placed.id, eventType: placed.type, source: placed.source, at: placed.time }],
    };
    const changed = orderStatusChanged.create({ previousStatus: null, order }, { subject: orderId, causedBy: placed, time: now });
    this.mailbox.commit(() => {
      this.document.save({ order, evidence: {} });
      this.watch(order);
      return { value: undefined, publish: [placed, changed] };
    });
    return { order, created: true };
  }

  async view(): Promise<OrderSnapshot | null> {
    return this.document.load()?.order ?? null;
  }

  /** Applies a fact from Billing or Warehouse exactly once, in workflow order. */
  async record(event: OrderFactEvent): Promise<Outcome> {
    if (!this.document.load()) return reject(`order ${event.subject} does not exist`);
    const result = this.mailbox.receive(event.id, () => {
      const current = this.document.load()!;
      const next = recordEvent(current, event, new Date());
      if (!next.changed) return { value: [] as Transition[] };
      this.document.save({ ...current, ...next.state });
      this.watch(next.state.order);
      return { value: next.transitions, publish: this.announce(next.state.order, next.transitions, event) };
    });
    if (result.duplicate) return done(`duplicate ${event.type} ignored`);
    if (!result.value.length) return done();
    await this.withdrawIfReported(result.value.at(-1)!.to);
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
      return { value: undefined, publish: [cancelled, ...this.announce(next.state.order, [next.transition], cancelled)] };
    });
    await this.withdrawIfReported("cancelled");
    return { kind: "cancelled", order: next.state.order };
  }

  override async alarm(): Promise<void> {
    await runDueTimers(this.timers, {
      [OUTBOX_TIMER]: () => this.mailbox.relay(),
      [WATCHDOG_TIMER]: () => this.reportStuck(),
    });
  }

  /** One order.status_changed per transition, each carrying the snapshot as of that step. */
  private announce(order: OrderSnapshot, transitions: Transition[], cause: { id: string; correlationid: string }) {
    return transitions.map((step, i) =>
      orderStatusChanged.create(
        { previousStatus: step.from, order: orderAt(order, transitions.length - 1 - i) },
        { subject: order.id, causedBy: cause },
      ),
    );
  }

  /** Keeps the watchdog timer on the current stage's deadline (none once the order has ended). */
  private watch(order: OrderSnapshot): void {
    const since = order.timeline.at(-1)!.at;
    const deadline = deadlineFor(order.status, since, stageLimits(this.env.STUCK_AFTER_SECONDS));
    if (deadline === undefined) this.timers.cancel(WATCHDOG_TIMER);
    else this.timers.schedule(WATCHDOG_TIMER, deadline);
  }

  private async reportStuck(): Promise<void> {
    const state = this.document.load();
    if (!state || TERMINAL.has(state.order.status)) return;
    const { order } = state;
    const since = order.timeline.at(-1)!.at;
    log("warn", "order stuck", { correlationid: order.id, orderId: order.id, status: order.status, since });
    await this.stuckOrders().report({ orderId: order.id, status: order.status, since, reportedAt: new Date().toISOString() });
    this.document.save({ ...state, reportedStuck: true });
  }

  private async withdrawIfReported(status: string): Promise<void> {
    const state = this.document.load();
    if (!state?.reportedStuck) return;
    await this.stuckOrders().resolve(state.order.id);
    this.document.save({ ...state, reportedStuck: false });
    log("info", "stuck order moved on", { correlationid: state.order.id, orderId: state.order.id, status });
  }

  private stuckOrders(): DurableObjectStub<StuckOrders> {
    return this.env.STUCK_ORDERS.get(this.env.STUCK_ORDERS.idFromName("stuck-orders"));
  }
}

/**
 * The snapshot as it stood `stepsBack` transitions before `order`, so that each
 * status-changed event carries the status it announces. Versions stay distinct and rising.
 */
function orderAt(order: OrderSnapshot, stepsBack: number): OrderSnapshot {
  if (stepsBack === 0) return order;
  const timeline = order.timeline.slice(0, order.timeline.length - stepsBack);
  return { ...order, status: timeline.at(-1)!.status, timeline, version: order.version - stepsBack };
}
