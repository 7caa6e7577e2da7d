import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import type { AnyEvent, OrderCancelled, OrderPlaced } from "../../src/contracts/events";
import { orchestratedSubscriptions, typesFor } from "../../src/contracts/topology";
import type { InvoiceRecord } from "../billing/invoicing";
import type { FlowView, Order } from "../sales/order";
import type { OrderFactEvent } from "../sales/order-lifecycle";
import type { StockItem } from "../warehouse/inventory";
import type { ShipmentRecord } from "../warehouse/shipping";
import { orderObjectName } from "../../src/platform/ids";
import { publishEvents, publishingFor } from "../../src/platform/queues";
import * as billing from "./billing-steps";
import * as shipping from "./shipping-steps";
import { afterPayment, afterShipping } from "./flow-plan";
import { backoffMaxSeconds, providerStep, retryLater } from "./retry-policy";

/** What the flow ended with, as the instance's output. */
export type FlowEnd = { orderId: string; status: string };

const SALES_FACTS: ReadonlySet<string> = new Set(typesFor("sales"));
const isSalesFact = (event: AnyEvent): event is OrderFactEvent => SALES_FACTS.has(event.type);

/**
 * The order workflow as one Cloudflare Workflow per order (ORDER_FLOW = "orchestration"): charge,
 * record the payment at Sales, take the stock and buy the label, record it, and the
 * compensations when a later step fails or the customer cancels. Each step runs Billing's and
 * Warehouse's own decisions and provider clients; the Workflow keeps what each step returned,
 * so a finished step is never run again. Sales stays the order's record: the customer's
 * cancellation is found there before each provider step and in every answer Sales gives.
 */
export class OrderFlow extends WorkflowEntrypoint<OrderFlowEnv, OrderPlaced> {
  override async run(event: Readonly<WorkflowEvent<OrderPlaced>>, step: WorkflowStep): Promise<FlowEnd> {
    const placed = event.payload as OrderPlaced;
    const env = this.env;
    const orderId = placed.subject;
    const orders = env.SALES_ORDERS as unknown as DurableObjectNamespace<Order>;
    const stock = env.WAREHOUSE_STOCK as unknown as DurableObjectNamespace<StockItem>;
    const order = () => orders.get(orders.idFromName(orderObjectName(orderId)));
    const end = (view: FlowView): FlowEnd => ({ orderId, status: view.order.status });
    const providerCall = providerStep(backoffMaxSeconds(env.RETRY_BACKOFF_MAX_SECONDS));

    /** Tells the observers (integrations, projections) and Sales what `producedBy` found; answers where the order stands. */
    const report = (name: string, producedBy: string, facts: AnyEvent[]) =>
      step.do(name, providerCall, async (context): Promise<FlowView> => {
        const delivery = await publishEvents(publishingFor(env, () => orchestratedSubscriptions), facts, { firstTry: context.attempt === 1 });
        if (!delivery.complete) throw retryLater({ reason: `${name}: the events could not all be published yet`, afterSeconds: 1 });
        let standing: FlowView | null = null;
        for (const fact of facts.filter(isSalesFact)) {
          const { outcome, progress } = await order().advance(fact, producedBy);
          if (outcome.kind === "retry") throw retryLater(outcome);
          if (outcome.kind === "reject") throw new NonRetryableError(outcome.reason);
          standing = progress;
        }
        standing ??= await order().progress(orderId);
        if (!standing) throw new NonRetryableError(`order ${orderId} does not exist at Sales`);
        return standing;
      });

    /** The customer cancelled: the label voided and the stock back (if it got that far), then the money. */
    const compensate = async (cancellation: OrderCancelled, invoice: InvoiceRecord | undefined, shipment?: ShipmentRecord): Promise<FlowEnd> => {
      if (shipment) await step.do("give back the stock", providerCall, () => shipping.cancel(env, stock, cancellation, shipment));
      const refund = await step.do("refund the cancelled order", providerCall, () => billing.cancel(env, cancellation, invoice, placed, false));
      return end(await report("record the refund", "refund the cancelled order", refund.publish));
    };

    const payment = await step.do("charge", providerCall, async (context) => {
      const cancellation = (await order().progress(orderId))?.cancellation;
      // A try before this one may have charged without an answer: Billing's decisions ask Stripe.
      return cancellation ? billing.cancel(env, cancellation, undefined, placed, context.attempt > 1) : billing.charge(env, placed);
    });
    const paid = await report("record the payment", "charge", payment.publish);
    const next = afterPayment(payment, paid);
    if (next.kind === "end") return end(paid);
    if (next.kind === "compensate") return compensate(next.cancellation, next.invoice);

    const shipped = await step.do("take stock and buy the label", providerCall, async (context) => {
      const cancellation = (await order().progress(orderId))?.cancellation;
      // Earlier tries may have taken stock and bought a label without an answer: both are undone.
      const earlierTries = { count: context.attempt - 1, since: next.billed.time };
      return cancellation ? { ...(await shipping.cancel(env, stock, cancellation, undefined, earlierTries)), cancellation } : shipping.ship(env, stock, next.billed);
    });
    if ("cancellation" in shipped) return compensate(shipped.cancellation, next.invoice);
    const reported = await report("record the shipment", "take stock and buy the label", shipped.publish);
    const then = afterShipping(shipped, reported);
    if (then.kind === "refund") {
      const refund = await step.do("refund the unshippable order", providerCall, () => billing.refundUnshippable(env, next.invoice, then.reason));
      return end(await report("record the refund", "refund the unshippable order", refund.publish));
    }
    if (then.kind === "compensate") return compensate(then.cancellation, next.invoice, then.shipment);
    return end(reported);
  }
}
