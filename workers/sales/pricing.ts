import type { OrderLine } from "../../src/contracts/values";
import { Problem } from "../../src/platform/problem";
import type { Product } from "./catalog";

/**
 * The smallest and largest amount Stripe charges in a currency, in minor units (Stripe's
 * "minimum and maximum charge amounts"): 50 for most; a few currencies need more. Others: 50.
 */
const MINIMUM_CHARGE: Record<string, number> = { GBP: 30, DKK: 250, HKD: 400, MXN: 1000, MYR: 200, NOK: 300, PLN: 200, RON: 200, SEK: 300, THB: 1000, CZK: 1500, HUF: 17500, AED: 200, BGN: 100 };
const MAXIMUM_CHARGE = 99_999_999;
export const chargeLimits = (currency: string) => ({ min: MINIMUM_CHARGE[currency] ?? 50, max: MAXIMUM_CHARGE });

export type PricedOrder = { lines: OrderLine[]; currency: string; subtotal: number; total: number };

/**
 * Prices requested items from the catalog. The client never sends prices; an unknown
 * SKU or a mix of currencies is refused, naming the offending items.
 */
export function priceItems(items: { sku: string; quantity: number }[], products: Product[]): PricedOrder {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const unknown = items.filter((item) => !bySku.has(item.sku));
  if (unknown.length > 0) {
    throw new Problem(422, "unknown-sku", "Unknown product", `Not in the catalog: ${unknown.map((i) => i.sku).join(", ")}.`, {
      errors: unknown.map((item) => ({ path: `items.${items.indexOf(item)}.sku`, message: `unknown SKU ${item.sku}` })),
    });
  }
  const lines = items.map((item) => {
    const product = bySku.get(item.sku)!;
    return {
      sku: item.sku,
      name: product.name,
      quantity: item.quantity,
      unitPrice: product.price,
      lineTotal: product.price * item.quantity,
    };
  });
  const currencies = new Set(items.map((item) => bySku.get(item.sku)!.currency));
  if (currencies.size > 1) {
    throw new Problem(422, "mixed-currencies", "Items in different currencies", `One order takes one currency; got ${[...currencies].join(", ")}.`);
  }
  const currency = [...currencies][0]!;
  const subtotal = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  const { min, max } = chargeLimits(currency);
  // Known at the door, so refused here: Stripe would refuse the charge and the order would end declined.
  if (subtotal < min || subtotal > max) {
    throw new Problem(422, "amount-out-of-range", "Order total out of range", `An order in ${currency} must total between ${min} and ${max} minor units; this one totals ${subtotal}.`, {
      errors: [{ path: "items", message: `total ${subtotal} is outside ${min}–${max} ${currency} minor units` }],
    });
  }
  return { lines, currency, subtotal, total: subtotal };
}
