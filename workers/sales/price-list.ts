import type { Catalog, Product } from "./catalog";

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

  /**
   * SKUs being read again by one caller. The others keep the last price meanwhile (a promise
   * cannot be shared between requests), so an expiry under load costs the Catalog one read, not
   * one per order in flight: a price changed elsewhere arrives within the window and that read.
   */
  private readonly refreshing = new Set<string>();
  private wholeRefreshing = false;

  /** The products among `skus` that exist; unknown SKUs are always asked of the Catalog. */
  async lookup(catalog: DurableObjectStub<Catalog>, skus: string[], freshForMs: number): Promise<Product[]> {
    const now = this.clock();
    const entries = skus.map((sku) => this.known.get(sku));
    const usable = entries.every((entry, i) => entry !== undefined && (entry.until > now || this.refreshing.has(skus[i]!)));
    if (usable) return entries.map((entry) => entry!.product);
    const claimed = skus.filter((sku) => !this.refreshing.has(sku));
    for (const sku of claimed) this.refreshing.add(sku);
    try {
      const products = await catalog.lookup(skus);
      for (const product of products) this.remember(product, freshForMs);
      return products;
    } finally {
      for (const sku of claimed) this.refreshing.delete(sku);
    }
  }

  /** Every product, for `GET /products`: the Catalog is read once per window, not by every visitor. */
  async catalogue(catalog: DurableObjectStub<Catalog>, freshForMs: number): Promise<Product[]> {
    const now = this.clock();
    if (this.whole && (this.whole.until > now || this.wholeRefreshing)) return this.whole.products;
    this.wholeRefreshing = true;
    try {
      const products = await catalog.list();
      for (const product of products) this.remember(product, freshForMs);
      this.whole = freshForMs > 0 ? { products, until: now + freshForMs } : undefined;
      return products;
    } finally {
      this.wholeRefreshing = false;
    }
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
