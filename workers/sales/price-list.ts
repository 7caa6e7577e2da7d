import type { Catalog, Product } from "./catalog";

/**
 * The catalog's products as this isolate last read them. Every order needs its prices, and
 * the one Catalog object for the whole shop would otherwise take a request from every order
 * on the platform; a price changed through another isolate reaches new orders within the
 * freshness window (`CATALOG_CACHE_SECONDS`), one changed through this isolate at once.
 */
export class PriceList {
  private readonly known = new Map<string, { product: Product; until: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The products among `skus` that exist; unknown SKUs are always asked of the Catalog. */
  async lookup(catalog: DurableObjectStub<Catalog>, skus: string[], freshForMs: number): Promise<Product[]> {
    const now = this.clock();
    const cached = skus.map((sku) => this.known.get(sku)).filter((entry) => entry !== undefined && entry.until > now);
    if (cached.length === skus.length) return cached.map((entry) => entry!.product);
    const products = await catalog.lookup(skus);
    for (const product of products) this.remember(product, freshForMs);
    return products;
  }

  remember(product: Product, freshForMs: number): void {
    if (freshForMs > 0) this.known.set(product.sku, { product, until: this.clock() + freshForMs });
    else this.known.delete(product.sku);
  }
}
