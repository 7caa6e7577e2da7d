import { sha256Hex } from "../../src/platform/hash";
import { idFromName, newOrderId, orderObjectName } from "../../src/platform/ids";
import { Problem } from "../../src/platform/problem";
import type { PlaceOrderRequest } from "./api/schemas";
import { publicView } from "./api/schemas";
import type { Catalog } from "./catalog";
import type { Order } from "./order";
import type { NewOrder } from "./order-lifecycle";
import type { OrderSnapshot } from "../../src/contracts/order";
import type { PriceList } from "./price-list";
import { priceItems } from "./pricing";

export type SalesStores = {
  orders: DurableObjectNamespace<Order>;
  catalog: DurableObjectNamespace<Catalog>;
  /** This isolate's copy of the catalog's prices, and how long an entry of it may be used. */
  prices: PriceList;
  pricesFreshForMs: number;
};
export type PlaceOrderResult = { status: number; view: ReturnType<typeof publicView>; orderId: string; replayed: boolean };

/** Key order does not change meaning, so it must not change the fingerprint either. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A stable, non-reversible customer reference, so reports can group orders without an email. */
export async function customerIdFor(email: string): Promise<string> {
  return `cus_${(await sha256Hex(`choreo-customer:${email.trim().toLowerCase()}`)).slice(0, 24)}`;
}

export const catalogOf = (stores: SalesStores) => stores.catalog.get(stores.catalog.idFromName("catalog"));
/** The Order object of `orderId` (by its random part: `orderObjectName`); its methods answer only to that id. */
export const orderObject = (stores: SalesStores, orderId: string) => stores.orders.get(stores.orders.idFromName(orderObjectName(orderId)));

/**
 * The order an Idempotency-Key names, if accepted at `acceptedAt`: that time, and a random part
 * from the key. The key itself addresses the Order object, so a keyed request costs the same
 * one call as any other, and a retry (another time, the same random part) lands where the
 * first try did; its answer carries the first try's id.
 */
export const orderIdForKey = (key: string, acceptedAt = Date.now()) => idFromName("ord", `choreo-idempotency-key:${key}`, acceptedAt);

/**
 * What the order looked like when it was accepted: the response a retry with the same
 * Idempotency-Key gets again, whatever has happened to the order since.
 */
function asAccepted(order: OrderSnapshot): OrderSnapshot {
  const { payment: _payment, shipment: _shipment, refund: _refund, closure: _closure, ...details } = order;
  return { ...details, version: 1, status: "placed", updatedAt: order.placedAt, timeline: order.timeline.slice(0, 1) };
}

/**
 * Accepts an order: prices it from the catalog and stores it with its `order.placed` event in
 * its Order object, in one call. `Idempotency-Key` works as Stripe's does (same key and body →
 * the same order and response; same key, other body → 422), except that a key names its order
 * for good rather than for 24 hours.
 */
export async function placeOrder(
  stores: SalesStores,
  request: PlaceOrderRequest,
  options: {
    idempotencyKey?: string;
    defaultPaymentMethod?: string;
    /** Settles when the request may be taken (the rate limits, which count the customer); it runs alongside pricing, before any write. */
    admit?: (customerId: Promise<string>) => Promise<void>;
  },
): Promise<PlaceOrderResult> {
  const paymentMethod = request.paymentMethod ?? options.defaultPaymentMethod;
  if (!paymentMethod) {
    throw new Problem(422, "validation-failed", "Your request is not valid", "A payment method is required.", {
      errors: [{ path: "paymentMethod", message: "required: a Stripe PaymentMethod id" }],
    });
  }

  const key = options.idempotencyKey;
  const skus = [...new Set(request.items.map((item) => item.sku))];
  const customerIdOf = customerIdFor(request.customer.email);
  // The order's id carries the time it is accepted, which becomes its placedAt.
  const acceptedAt = Date.now();
  const [products, orderId, fingerprint, customerId] = await Promise.all([
    stores.prices.lookup(catalogOf(stores), skus, stores.pricesFreshForMs),
    key ? orderIdForKey(key, acceptedAt) : newOrderId(acceptedAt),
    key ? sha256Hex(canonicalJson(request)) : undefined,
    customerIdOf,
    options.admit?.(customerIdOf),
  ]);
  const draft: NewOrder = {
    ...priceItems(request.items, products),
    orderId,
    customerId,
    customer: request.customer,
    shippingAddress: request.shippingAddress,
    paymentMethod,
  };
  let placement = await orderObject(stores, orderId).place(draft, fingerprint);
  // Another order's object has this new id's random part: never answer with that order.
  for (let tries = 1; placement.kind === "taken"; tries++) {
    if (tries === 3) throw new Error("three new order ids in a row named existing orders");
    const fresh = newOrderId(acceptedAt);
    placement = await orderObject(stores, fresh).place({ ...draft, orderId: fresh }, fingerprint);
  }
  if (placement.kind === "mismatch") {
    throw new Problem(
      422,
      "idempotency-key-reused",
      "Idempotency-Key reused with a different body",
      "This key was already used for a different request; use a new key.",
    );
  }
  const replayed = placement.kind === "existing";
  const view = publicView(replayed ? asAccepted(placement.order) : placement.order);
  // A retry's id has its own time part: the order is the one its first try placed.
  return { status: 202, view, orderId: placement.order.id, replayed };
}
