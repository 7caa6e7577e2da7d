import { z } from "zod";
import { Closure, OrderFlowTrace, OrderSnapshot } from "../../../src/contracts/order";
import { Address, Currency, Customer, MinorUnits, OrderId, OrderLine, OrderStatus, Sku } from "../../../src/contracts/values";
import { Problem } from "../../../src/platform/problem";
import { Product, ProductInput } from "../catalog";

export const PlaceOrderRequest = z
  .strictObject({
    customer: Customer,
    items: z
      .array(z.strictObject({ sku: Sku, quantity: z.number().int().min(1).max(1000) }))
      .min(1)
      .max(100),
    shippingAddress: Address,
    /** A Stripe PaymentMethod id collected by the storefront (Stripe.js); never card data. */
    paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, "expected a Stripe PaymentMethod id such as pm_card_visa").optional(),
  })
  .superRefine((body, ctx) => {
    const seen = new Map<string, number>();
    body.items.forEach((item, index) => {
      const first = seen.get(item.sku);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["items", index, "sku"], message: `duplicates items.${first}.sku; send one line per SKU` });
      } else seen.set(item.sku, index);
    });
  })
  .meta({ id: "PlaceOrderRequest", 
    example: {
      customer: { email: "ada@example.com", phone: "+14155550100", name: "Ada" },
      items: [{ sku: "MUG-001", quantity: 2 }],
      shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
    },
  });
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

const TimelineItem = z.object({
  status: OrderStatus,
  eventId: z.string(),
  eventType: z.string(),
  source: z.string(),
  at: z.string(),
});

/** What anyone holding the order id may see: no contact data, no address. */
export const PublicOrder = z
  .object({
    id: OrderId,
    status: OrderStatus,
    currency: Currency,
    subtotal: MinorUnits,
    total: MinorUnits,
    items: z.array(OrderLine),
    placedAt: z.string(),
    updatedAt: z.string(),
    payment: z.object({ amount: MinorUnits, currency: Currency, billedAt: z.string() }).optional(),
    shipment: z.object({ carrier: z.string(), service: z.string(), trackingNumber: z.string(), trackingUrl: z.string().optional() }).optional(),
    refund: z.object({ amount: MinorUnits, currency: Currency, refundedAt: z.string() }).optional(),
    /** Why the order ended without shipping (declined payment, no stock, cancelled). */
    closure: Closure.omit({ detail: true }).optional(),
    timeline: z.array(TimelineItem),
    links: z.object({ self: z.string() }),
  })
  .meta({ id: "Order" });

/** The placement response: the order and the secret its customer acts with. */
export const PlacedOrder = PublicOrder.extend({
  clientSecret: z.string().meta({
    description:
      "The order's secret, returned only here (and on an idempotent replay): send `Authorization: Bearer <clientSecret>` to read the order's contact details and to cancel it. Keep it out of URLs, emails and logs.",
    example: "ord_01JD5ZQ4C8X9M2N3P4Q5R6S7T8_secret_3q2-7wN0bJt0Xh4mV6l9sQyq1c0GQ8Ri2uQzK1mYk0E",
  }),
}).meta({ id: "PlacedOrder" });

/** What the customer sees with the order's client secret: the public view and their own details. */
export const CustomerOrder = PublicOrder.extend({ customer: Customer, shippingAddress: Address }).meta({ id: "CustomerOrder" });

/** The admin view adds the customer, the address and the provider references. */
export const AdminOrder = PublicOrder.extend({
  version: z.number().int(),
  customerId: z.string(),
  customer: Customer,
  shippingAddress: Address,
  payment: OrderSnapshot.shape.payment,
  shipment: OrderSnapshot.shape.shipment,
  refund: OrderSnapshot.shape.refund,
  closure: OrderSnapshot.shape.closure,
  flow: OrderFlowTrace,
}).meta({ id: "AdminOrder" });

export function publicView(order: OrderSnapshot): z.infer<typeof PublicOrder> {
  return {
    id: order.id,
    status: order.status,
    currency: order.currency,
    subtotal: order.subtotal,
    total: order.total,
    items: order.lines,
    placedAt: order.placedAt,
    updatedAt: order.updatedAt,
    ...(order.payment
      ? { payment: { amount: order.payment.amount, currency: order.payment.currency, billedAt: order.payment.billedAt } }
      : {}),
    ...(order.shipment
      ? {
          shipment: {
            carrier: order.shipment.carrier,
            service: order.shipment.service,
            trackingNumber: order.shipment.trackingNumber,
            ...(order.shipment.trackingUrl ? { trackingUrl: order.shipment.trackingUrl } : {}),
          },
        }
      : {}),
    ...(order.refund ? { refund: { amount: order.refund.amount, currency: order.refund.currency, refundedAt: order.refund.refundedAt } } : {}),
    ...(order.closure ? { closure: { reason: order.closure.reason, at: order.closure.at } } : {}),
    timeline: order.timeline,
    links: { self: `/orders/${order.id}` },
  };
}

export function customerView(order: OrderSnapshot): z.infer<typeof CustomerOrder> {
  return { ...publicView(order), customer: order.customer, shippingAddress: order.shippingAddress };
}

export function adminView(order: OrderSnapshot, flow: OrderFlowTrace): z.infer<typeof AdminOrder> {
  return {
    flow,
    ...customerView(order),
    version: order.version,
    customerId: order.customerId,
    payment: order.payment,
    shipment: order.shipment,
    refund: order.refund,
    closure: order.closure,
  };
}

export { problemResponse } from "../../../src/platform/http";

/** 404 for an order that does not exist; a malformed id is only an order that cannot exist. */
export const orderNotFound = (id: string) => new Problem(404, "order-not-found", "Order not found", `There is no order ${id}.`);

/** Throws `orderNotFound` for an id that is not an order id, before any object is woken. */
export function assertOrderId(id: string): void {
  if (!OrderId.safeParse(id).success) throw orderNotFound(id);
}

export const ProductSchema = Product.meta({ id: "Product" });
export const ProductInputSchema = ProductInput.meta({ id: "ProductInput" });
export const SkuParam = z.object({ sku: Sku.meta({ param: { name: "sku", in: "path" }, example: "MUG-001" }) });
export const OrderIdParam = z.object({
  id: z.string().meta({ param: { name: "id", in: "path" }, example: "ord_01JD5ZQ4C8X9M2N3P4Q5R6S7T8" }),
});
