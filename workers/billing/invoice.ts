import { DurableObject } from "cloudflare:workers";
import {
  orderBilled,
  orderBillingFailed,
  orderRefunded,
  type AnyEvent,
  type OrderCancelled,
  type OrderPlaced,
  type StockUnavailable,
} from "../../src/contracts/events";
import { StoredDocument } from "../../src/platform/document";
import { newId } from "../../src/platform/ids";
import { Mailbox, OUTBOX_TIMER, queueProducers } from "../../src/platform/mailbox";
import { meteredObject } from "../../src/platform/meter";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { webhookSubscriptionsOf } from "../../src/platform/webhook-subscriptions";
import { OneAtATime } from "../../src/platform/one-at-a-time";
import { done, reject, retry, type Outcome } from "../../src/platform/outcome";
import { runDueTimers, Timers } from "../../src/platform/timers";
import type { RefundReason } from "../../src/contracts/values";
import { chargeOrder, refundOrder, type StripeConfig } from "./stripe";


export type InvoiceRecord = {
  invoiceId: string;
  orderId: string;
  amount: number;
  currency: string;
  /** `voided`: cancelled before any charge, so none will be made. */
  status: "paid" | "declined" | "voided" | "refunded";
  paymentId?: string;
  declineCode?: string;
  /** Set when a refund became due; the refund is retried until Stripe confirms it. */
  refundDue?: RefundReason;
  refund?: { refundId: string; amount: number; reason: RefundReason; refundedAt: string };
  updatedAt: string;
};

/** The invoice and payment of one order: charges at most once, refunds at most once. */
export class Invoice extends DurableObject<BillingEnv> {
  private readonly timers: Timers;
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<InvoiceRecord>;
  private readonly serial = new OneAtATime();

  constructor(ctx: DurableObjectState, env: BillingEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.timers = new Timers(this.ctx.storage);
    this.document = new StoredDocument(this.ctx.storage.sql, "invoice");
    this.mailbox = new Mailbox(this.ctx, this.timers, queueProducers(this.env), { sandbox: sandboxHooks(env.SANDBOX_URL), webhookSubscriptions: webhookSubscriptionsOf(this.env) });
  }

  async view(): Promise<InvoiceRecord | null> {
    return this.document.load() ?? null;
  }

  /** Charges the order placed in `event`, once, however often the event is delivered. */
  bill(event: OrderPlaced): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.mailbox.hasReceived(event.id)) return done("duplicate order.placed ignored");
      const existing = this.document.load();
      if (existing) return this.acknowledge(event, `invoice already ${existing.status}`);
      const stripe = this.stripe();
      if (!stripe) return retry("Stripe is not configured (STRIPE_API_BASE, STRIPE_SECRET_KEY)", 300);

      const { orderId, total, currency, paymentMethod, customer, lines, shippingAddress } = event.data;
      const charge = await chargeOrder(stripe, { orderId, amount: total, currency, paymentMethod, customerEmail: customer.email });
      if (charge.kind === "retryable") return retry(charge.reason, charge.afterSeconds);
      if (charge.kind === "refused") return reject(charge.reason);

      const now = new Date();
      const base = { invoiceId: newId("inv"), orderId, amount: total, currency, updatedAt: now.toISOString() };
      if (charge.kind === "declined") {
        const failed = orderBillingFailed.create(
          { orderId, invoiceId: base.invoiceId, amount: total, currency, reason: { code: charge.code, message: charge.message }, failedAt: base.updatedAt },
          { subject: orderId, causedBy: event, time: now },
        );
        return this.settle(event, { ...base, status: "declined", declineCode: charge.code }, [failed]);
      }
      const billed = orderBilled.create(
        {
          orderId,
          invoiceId: base.invoiceId,
          paymentId: charge.paymentIntentId,
          amount: charge.amount,
          currency: charge.currency,
          billedAt: base.updatedAt,
          lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
          shipTo: { name: customer.name, ...(customer.phone ? { phone: customer.phone } : {}), address: shippingAddress },
        },
        { subject: orderId, causedBy: event, time: now },
      );
      return this.settle(event, { ...base, amount: charge.amount, status: "paid", paymentId: charge.paymentIntentId }, [billed]);
    });
  }

  /** The customer cancelled: refund what was charged, or make sure nothing ever is. */
  cancel(event: OrderCancelled): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.mailbox.hasReceived(event.id)) return done("duplicate order.cancelled ignored");
      const invoice = this.document.load();
      if (!invoice) {
        const voided: InvoiceRecord = {
          invoiceId: newId("inv"),
          orderId: event.subject,
          amount: 0,
          currency: "XXX",
          status: "voided",
          updatedAt: new Date().toISOString(),
        };
        this.settle(event, voided, []);
        return done("invoice voided before any charge");
      }
      return this.refund(event, invoice, "customer_cancelled");
    });
  }

  /** Warehouse cannot ship a billed order: give the money back. */
  refundUnshippable(event: StockUnavailable): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.mailbox.hasReceived(event.id)) return done("duplicate stock.unavailable ignored");
      const invoice = this.document.load();
      // Warehouse only hears of an order once it is billed, so a missing invoice means this
      // event overtook our own bookkeeping; try again shortly.
      if (!invoice) return retry(`no invoice yet for ${event.subject}`, 5);
      return this.refund(event, invoice, "stock_unavailable");
    });
  }

  override async alarm(): Promise<void> {
    await runDueTimers(this.timers, { [OUTBOX_TIMER]: () => this.mailbox.relay() });
  }

  private async refund(cause: OrderCancelled | StockUnavailable, invoice: InvoiceRecord, reason: RefundReason): Promise<Outcome> {
    if (invoice.status !== "paid" || !invoice.paymentId) return this.acknowledge(cause, `nothing to refund (${invoice.status})`);
    // Recorded before calling Stripe: a refund that became due stays due until confirmed.
    if (!invoice.refundDue) this.document.save({ ...invoice, refundDue: reason });
    const dueFor = invoice.refundDue ?? reason;
    const stripe = this.stripe();
    if (!stripe) return retry("Stripe is not configured (STRIPE_API_BASE, STRIPE_SECRET_KEY)", 300);
    const result = await refundOrder(stripe, { orderId: invoice.orderId, paymentIntentId: invoice.paymentId, reason: dueFor });
    if (result.kind === "retryable") return retry(result.reason, result.afterSeconds);
    if (result.kind === "refused") return reject(result.reason);
    const now = new Date();
    const refunded = orderRefunded.create(
      {
        orderId: invoice.orderId,
        invoiceId: invoice.invoiceId,
        paymentId: invoice.paymentId,
        refundId: result.refundId,
        amount: result.amount,
        currency: result.currency,
        reason: dueFor,
        refundedAt: now.toISOString(),
      },
      { subject: invoice.orderId, causedBy: cause, time: now },
    );
    const record: InvoiceRecord = {
      ...invoice,
      status: "refunded",
      refund: { refundId: result.refundId, amount: result.amount, reason: dueFor, refundedAt: now.toISOString() },
      updatedAt: now.toISOString(),
    };
    delete record.refundDue;
    return this.settle(cause, record, [refunded]);
  }

  /** Saves the record as the outcome of `cause`, with what it publishes, atomically. */
  private settle(cause: AnyEvent, record: InvoiceRecord, publish: AnyEvent[]): Outcome {
    this.mailbox.settle(cause.id, () => this.document.save(record), publish);
    return done();
  }

  private acknowledge(cause: AnyEvent, note: string): Outcome {
    this.mailbox.settle(cause.id, () => {});
    return done(note);
  }

  private stripe(): StripeConfig | undefined {
    const { STRIPE_API_BASE: baseUrl, STRIPE_SECRET_KEY: secretKey } = this.env;
    return baseUrl && secretKey ? { baseUrl, secretKey } : undefined;
  }
}
