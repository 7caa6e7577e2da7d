import { z } from "zod";
import { Address, Currency, Customer, MinorUnits, OrderId, OrderLine, OrderStatus, RefundReason } from "./values";

/** One step in an order's life, pointing at the event that caused it. */
export const TimelineEntry = z.object({
  status: OrderStatus,
  eventId: z.string(),
  eventType: z.string(),
  source: z.string(),
  at: z.iso.datetime({ offset: true }),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const Payment = z.object({
  invoiceId: z.string(),
  paymentId: z.string(),
  amount: MinorUnits,
  currency: Currency,
  billedAt: z.iso.datetime({ offset: true }),
});

export const Shipment = z.object({
  shipmentId: z.string(),
  carrier: z.string(),
  service: z.string(),
  trackingNumber: z.string(),
  trackingUrl: z.string().optional(),
  labelUrl: z.string(),
});

/** Money returned to the customer, once per order. */
export const Refund = z.object({
  refundId: z.string(),
  amount: MinorUnits,
  currency: Currency,
  reason: RefundReason,
  refundedAt: z.iso.datetime({ offset: true }),
});

/** Why the order ended without shipping. */
export const Closure = z.object({
  reason: z.enum(["payment_declined", "stock_unavailable", "undeliverable", "customer_request"]),
  detail: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
});

/**
 * The whole order as Sales knows it. `version` grows by one with every change, so a
 * downstream copy can refuse to go backwards when snapshots arrive late or twice.
 */
export const OrderSnapshot = z.object({
  id: OrderId,
  version: z.number().int().positive(),
  status: OrderStatus,
  customerId: z.string(),
  customer: Customer,
  shippingAddress: Address,
  lines: z.array(OrderLine),
  currency: Currency,
  subtotal: MinorUnits,
  total: MinorUnits,
  placedAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  payment: Payment.optional(),
  shipment: Shipment.optional(),
  refund: Refund.optional(),
  /** Set when the order ends as `billing_failed` or `cancelled`. */
  closure: Closure.optional(),
  timeline: z.array(TimelineEntry),
});
export type OrderSnapshot = z.infer<typeof OrderSnapshot>;

/**
 * Who ran the order through its steps (the admin view only: customers cannot tell). For
 * orchestration, the Workflow instance (named by the order id) and each step that brought
 * Sales a fact, in order.
 */
export const OrderFlowTrace = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("choreography") }),
    z.object({
      kind: z.literal("orchestration"),
      workflow: z.string(),
      instanceId: z.string(),
      steps: z.array(z.object({ name: z.string(), event: z.string(), at: z.iso.datetime({ offset: true }) })),
    }),
  ])
  .meta({ id: "OrderFlow" });
export type OrderFlowTrace = z.infer<typeof OrderFlowTrace>;
export type FlowStep = Extract<OrderFlowTrace, { kind: "orchestration" }>["steps"][number];
