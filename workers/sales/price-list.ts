import { OneRefresh } from "../../src/platform/one-refresh";
import type { Catalog, Product } from "./catalog";

/** The name the whole list is refreshed under (no SKU has a space). */
const WHOLE = "whole catalogue";

/**
 * The catalog's products as this isolate last read them. Every order needs its prices, and
 * the one Catalog object for the whole shop would otherwise take a request from every order
 * on the platform; a price changed through another isolate reaches new orders within the
 * freshness window (`CATALOG_CACHE_SECONDS`), one changed through this isolate at once.
 */
export class PriceList {
  private readonly known = new Map<string, { product: Product; until: number }>();
  /** The whole catalog as `GET /products` last read it. */
  private whole: { products: Product[]; until: number } | undefined;

  constructor(private readonly clock: () => number = Date.now) {}

  /** While one order reads an expired price (or the whole list) again, the others keep the last one. */
  private readonly refresh = new OneRefresh();

  /** The products among `skus` that exist; unknown SKUs are always asked of the Catalog. */
  async lookup(catalog: DurableObjectStub<Catalog>, skus: string[], freshForMs: number): Promise<Product[]> {
    const now = this.clock();
    const entries = skus.map((sku) => this.known.get(sku));
    const usable = entries.every((entry, i) => entry !== undefined && (entry.until > now || this.refresh.underway(skus[i]!)));
    if (usable) return entries.map((entry) => entry!.product);
    return this.refresh.run(skus, async () => {
      const products = await catalog.lookup(skus);
      for (const product of products) this.remember(product, freshForMs);
      return products;
    });
  }

  /** Every product, for `GET /products`: the Catalog is read once per window, not by every visitor. */
  async catalogue(catalog: DurableObjectStub<Catalog>, freshForMs: number): Promise<Product[]> {
    const now = this.clock();
    if (this.whole && (this.whole.until > now || this.refresh.underway(WHOLE))) return this.whole.products;
    return this.refresh.run([WHOLE], async () => {
      const products = await catalog.list();
      for (const product of products) this.remember(product, freshForMs);
      this.whole = freshForMs > 0 ? { products, until: now + freshForMs } : undefined;
      return products;
    });
  }

  remember(product: Product, freshForMs: number): void {
    if (freshForMs > 0) this.known.set(product.sku, { product, until: this.clock() + freshForMs });
    else this.known.delete(product.sku);
    // A change made through this isolate shows in its list at once.
    if (this.whole) {
      const others = this.whole.products.filter((other) => other.sku !== product.sku);
      this.whole = { ...this.whole, products: [...others, product].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)) };
    }
  }
}
