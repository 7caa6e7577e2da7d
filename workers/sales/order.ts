import { DurableObject } from "cloudflare:workers";
import { orderPlaced, orderStatusChanged, type OrderBilled, type ShippingLabelCreated } from "../../src/contracts/events";
import type { OrderSnapshot } from "../../src/contracts/order";
import type { Address, Customer } from "../../src/contracts/values";
import { StoredDocument } from "../../src/platform/document";
import { Mailbox, queueProducers } from "../../src/platform/mailbox";
import { done, reject, type Outcome } from "../../src/platform/outcome";
import { recordEvent, type OrderState, type Transition } from "./order-lifecycle";
import type { PricedOrder } from "./pricing";

export type NewOrder = PricedOrder & {
  orderId: string;
  customerId: string;
  customer: Customer;
  shippingAddress: Address;
  paymentMethod: string;
};

/**
 * One order, from placement to "ready to ship". Its state, the events it has seen and the
 * events it publishes live in this object's SQLite storage and change together.
 */
export class Order extends DurableObject<SalesEnv> {
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<OrderState>;

  constructor(ctx: DurableObjectState, env: SalesEnv) {
    super(ctx, env);
    this.document = new StoredDocument<OrderState>(ctx.storage.sql, "order_state");
    this.mailbox = new Mailbox(ctx, queueProducers(env));
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
      return { value: undefined, publish: [placed, changed] };
    });
    return { order, created: true };
  }

  async view(): Promise<OrderSnapshot | null> {
    return this.document.load()?.order ?? null;
  }

  /** Applies an event from Billing or Warehouse exactly once, in workflow order. */
  async record(event: OrderBilled | ShippingLabelCreated): Promise<Outcome> {
    if (!this.document.load()) return reject(`order ${event.subject} does not exist`);
    const result = this.mailbox.receive(event.id, () => {
      const current = this.document.load()!;
      const next = recordEvent(current, event, new Date());
      if (!next.changed) return { value: [] as Transition[] };
      this.document.save(next.state);
      const publish = next.transitions.map((step, i) =>
        orderStatusChanged.create(
          { previousStatus: step.from, order: orderAt(next.state.order, next.transitions.length - 1 - i) },
          { subject: event.subject, causedBy: event },
        ),
      );
      return { value: next.transitions, publish };
    });
    if (result.duplicate) return done(`duplicate ${event.type} ignored`);
    return done();
  }

  override async alarm(): Promise<void> {
    await this.mailbox.alarm();
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
