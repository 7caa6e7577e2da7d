import type { OrderLine } from "../../src/contracts/values";
import { Problem } from "../../src/platform/problem";
import type { Product } from "./catalog";

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
  const subtotal = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  return { lines, currency: [...currencies][0]!, subtotal, total: subtotal };
}
