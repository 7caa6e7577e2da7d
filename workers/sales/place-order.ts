import { sha256Hex } from "../../src/platform/hash";
import { newOrderId } from "../../src/platform/ids";
import { Problem } from "../../src/platform/problem";
import type { PlaceOrderRequest } from "./api/schemas";
import { publicView } from "./api/schemas";
import type { Catalog } from "./catalog";
import type { IdempotencyKey } from "./idempotency-key";
import type { Order } from "./order";
import type { NewOrder } from "./order-lifecycle";
import type { PriceList } from "./price-list";
import { priceItems } from "./pricing";

export type SalesStores = {
  orders: DurableObjectNamespace<Order>;
  catalog: DurableObjectNamespace<Catalog>;
  idempotencyKeys: DurableObjectNamespace<IdempotencyKey>;
  /** This isolate's copy of the catalog's prices, and how long an entry of it may be used. */
  prices: PriceList;
  pricesFreshForMs: number;
};

export type PlaceOrderResult = { status: number; body: string; orderId: string; replayed: boolean };

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
export const orderObject = (stores: SalesStores, orderId: string) => stores.orders.get(stores.orders.idFromName(orderId));

/**
 * Accepts an order: prices it from the catalog, stores it with its `order.placed` event in
 * its Order object, and honours `Idempotency-Key` the way Stripe does (same key and body →
 * same order and response for 24 h; same key, other body → 422).
 */
export async function placeOrder(
  stores: SalesStores,
  request: PlaceOrderRequest,
  options: { idempotencyKey?: string; defaultPaymentMethod?: string },
): Promise<PlaceOrderResult> {
  const paymentMethod = request.paymentMethod ?? options.defaultPaymentMethod;
  if (!paymentMethod) {
    throw new Problem(422, "validation-failed", "Your request is not valid", "A payment method is required.", {
      errors: [{ path: "paymentMethod", message: "required: a Stripe PaymentMethod id" }],
    });
  }

  const key = options.idempotencyKey;
  const keyObject = key ? stores.idempotencyKeys.get(stores.idempotencyKeys.idFromName(key)) : undefined;
  let orderId: string | undefined;
  if (keyObject) {
    const claim = await keyObject.claim(await sha256Hex(canonicalJson(request)));
    if (claim.kind === "mismatch") {
      throw new Problem(
        422,
        "idempotency-key-reused",
        "Idempotency-Key reused with a different body",
        "This key was already used for a different request in the last 24 hours; use a new key.",
      );
    }
    if (claim.kind === "replay") return { status: claim.status, body: claim.body, orderId: claim.orderId, replayed: true };
    orderId = claim.orderId;
  }

  let priced;
  try {
    const skus = [...new Set(request.items.map((item) => item.sku))];
    const products = await stores.prices.lookup(catalogOf(stores), skus, stores.pricesFreshForMs);
    priced = priceItems(request.items, products);
  } catch (error) {
    if (keyObject) await keyObject.release();
    throw error;
  }

  const draft: NewOrder = {
    ...priced,
    orderId: orderId ?? newOrderId(),
    customerId: await customerIdFor(request.customer.email),
    customer: request.customer,
    shippingAddress: request.shippingAddress,
    paymentMethod,
  };
  const { order } = await orderObject(stores, draft.orderId).place(draft);
  const body = JSON.stringify(publicView(order));
  if (keyObject) await keyObject.complete(202, body);
  return { status: 202, body, orderId: order.id, replayed: false };
}
