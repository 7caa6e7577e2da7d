import { DurableObject } from "cloudflare:workers";
import { orderBilled, type OrderPlaced } from "../../src/contracts/events";
import { newId } from "../../src/platform/ids";
import { StoredDocument } from "../../src/platform/document";
import { Mailbox, queueProducers } from "../../src/platform/mailbox";
import { done, reject, retry, type Outcome } from "../../src/platform/outcome";
import { chargeOrder } from "./stripe";

export type InvoiceRecord = {
  invoiceId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: "paid" | "declined";
  paymentId?: string;
  declineCode?: string;
  updatedAt: string;
};

/** The invoice and payment of one order: charges at most once, publishes the outcome. */
export class Invoice extends DurableObject<BillingEnv> {
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<InvoiceRecord>;

  constructor(ctx: DurableObjectState, env: BillingEnv) {
    super(ctx, env);
    this.document = new StoredDocument<InvoiceRecord>(ctx.storage.sql, "invoice");
    this.mailbox = new Mailbox(ctx, queueProducers(env));
  }

  async view(): Promise<InvoiceRecord | null> {
    return this.document.load() ?? null;
  }

  /** Charges the order placed in `event`, once, however often the event is delivered. */
  async bill(event: OrderPlaced): Promise<Outcome> {
    if (this.mailbox.hasReceived(event.id)) return done("duplicate order.placed ignored");
    if (this.document.load()) {
      this.mailbox.receive(event.id, () => ({ value: undefined }));
      return done("order already billed");
    }
    const { STRIPE_API_BASE: baseUrl, STRIPE_SECRET_KEY: secretKey } = this.env;
    if (!baseUrl || !secretKey) return retry("Stripe is not configured (STRIPE_API_BASE, STRIPE_SECRET_KEY)", 300);

    const { orderId, total, currency, paymentMethod, customer, lines, shippingAddress } = event.data;
    const charge = await chargeOrder(
      { baseUrl, secretKey },
      { orderId, amount: total, currency, paymentMethod, customerEmail: customer.email },
    );
    switch (charge.kind) {
      case "retryable":
        return retry(charge.reason, charge.afterSeconds);
      case "refused":
        return reject(charge.reason);
      case "declined":
        return reject(`card declined (${charge.code}): ${charge.message}`);
      case "succeeded": {
        const now = new Date();
        const record: InvoiceRecord = {
          invoiceId: newId("inv"),
          orderId,
          amount: charge.amount,
          currency: charge.currency,
          status: "paid",
          paymentId: charge.paymentIntentId,
          updatedAt: now.toISOString(),
        };
        const billed = orderBilled.create(
          {
            orderId,
            invoiceId: record.invoiceId,
            paymentId: charge.paymentIntentId,
            amount: charge.amount,
            currency: charge.currency,
            billedAt: record.updatedAt,
            lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
            shipTo: { name: customer.name, ...(customer.phone ? { phone: customer.phone } : {}), address: shippingAddress },
          },
          { subject: orderId, causedBy: event, time: now },
        );
        this.mailbox.receive(event.id, () => {
          // A concurrent delivery may have finished first while we waited on Stripe.
          if (this.document.load()) return { value: undefined };
          this.document.save(record);
          return { value: undefined, publish: [billed] };
        });
        return done();
      }
    }
  }

  override async alarm(): Promise<void> {
    await this.mailbox.alarm();
  }
}
