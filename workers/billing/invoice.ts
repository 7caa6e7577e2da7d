import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, OrderCancelled, OrderPlaced, ShipmentUndeliverable, StockUnavailable } from "../../src/contracts/events";
import { EntityStore } from "../../src/platform/entity";
import { newId } from "../../src/platform/ids";
import { done, type Outcome } from "../../src/platform/outcome";
import { publishingFor } from "../../src/platform/queues";
import { whenCancelled, whenOrderPlaced, whenUnshippable, type BillingStep, type InvoiceRecord } from "./invoicing";
import { stripeConfig } from "./stripe";
import { callStripe } from "./stripe-calls";

export type { InvoiceRecord } from "./invoicing";

/**
 * The invoice and payment of one order: charges at most once, refunds at most once. What to do
 * is decided in invoicing.ts; this object keeps the record and calls Stripe.
 */
export class Invoice extends DurableObject<BillingEnv> {
  private readonly entity: EntityStore<InvoiceRecord>;

  constructor(ctx: DurableObjectState, env: BillingEnv) {
    super(ctx, env);
    this.entity = new EntityStore(this.ctx.storage, publishingFor(this.env));
  }

  async view(): Promise<InvoiceRecord | null> {
    return this.entity.state ?? null;
  }

  /** Charges the order placed in `event`, once, however often the event is delivered. */
  bill(event: OrderPlaced): Promise<Outcome> {
    return this.entity.handle(event, (invoice) => this.perform(event, whenOrderPlaced(invoice, event)));
  }

  /** The customer cancelled: refund what was charged, or make sure nothing ever is. */
  cancel(event: OrderCancelled): Promise<Outcome> {
    return this.entity.handle(event, (invoice) => this.perform(event, whenCancelled(invoice, event, { invoiceId: newId("inv"), now: new Date() })));
  }

  /** Warehouse cannot ship a billed order (no stock, or no carrier will take it): give the money back. */
  refundUnshippable(event: StockUnavailable | ShipmentUndeliverable): Promise<Outcome> {
    return this.entity.handle(event, (invoice) => this.perform(event, whenUnshippable(invoice, event)));
  }

  private async perform(cause: AnyEvent, step: BillingStep): Promise<Outcome> {
    switch (step.kind) {
      case "skip":
        return done(step.note);
      case "retry":
      case "reject":
        return step;
      case "record":
        return this.entity.settle(cause, step.invoice, step.publish, step.note);
      case "hold":
        return this.entity.hold(step.invoice, step.retry);
      case "refund":
      case "charge":
      case "find_charge": {
        // A refund is recorded as due before Stripe is called: it stays due until confirmed.
        if (step.kind === "refund" && !this.entity.state?.refundDue) this.entity.save(step.invoice);
        const stripe = stripeConfig(this.env);
        if (!stripe.ok) return stripe.retry;
        return this.perform(cause, await callStripe(stripe.config, cause, step));
      }
    }
  }
}
