import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Catalog } from "./catalog";
import { PriceList } from "./price-list";
import { ADMIN, call } from "./test-helpers";

const catalog = () => env.CATALOG.get(env.CATALOG.idFromName("catalog"));
const mug = { name: "Mug", price: 1500, currency: "USD" };
const orderOf = (sku: string) => ({
  customer: { email: "ada@example.com", name: "Ada" },
  items: [{ sku, quantity: 1 }],
  shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
});

describe("the prices an isolate orders from", () => {
  it("keeps a price changed elsewhere for the freshness window, then takes the new one", async () => {
    let now = 1_000_000;
    const prices = new PriceList(() => now);
    await catalog().upsert("PL-MUG-1", mug);
    expect((await prices.lookup(catalog(), ["PL-MUG-1"], 30_000))[0]).toMatchObject({ price: 1500 });

    await catalog().upsert("PL-MUG-1", { ...mug, price: 1800 }); // as another isolate would
    now += 29_000;
    expect((await prices.lookup(catalog(), ["PL-MUG-1"], 30_000))[0]).toMatchObject({ price: 1500 });
    now += 2_000;
    expect((await prices.lookup(catalog(), ["PL-MUG-1"], 30_000))[0]).toMatchObject({ price: 1800 });
  });

  it("reads the Catalog once when the window ends under load; orders meanwhile keep the last price", async () => {
    let now = 3_000_000;
    const prices = new PriceList(() => now);
    let reads = 0;
    const counted = {
      lookup: (skus: string[]) => {
        reads++;
        return catalog().lookup(skus);
      },
      list: () => {
        reads++;
        return catalog().list();
      },
    } as unknown as DurableObjectStub<Catalog>;
    await catalog().upsert("PL-HERD-1", mug);
    await prices.lookup(counted, ["PL-HERD-1"], 30_000);
    await prices.catalogue(counted, 30_000);
    await catalog().upsert("PL-HERD-1", { ...mug, price: 1700 }); // as another isolate would
    now += 31_000;
    reads = 0;

    const looked = await Promise.all([1, 2, 3].map(() => prices.lookup(counted, ["PL-HERD-1"], 30_000)));
    const listed = await Promise.all([1, 2, 3].map(() => prices.catalogue(counted, 30_000)));
    expect(reads).toBe(2); // one lookup, one list
    expect(looked.map(([product]) => product!.price)).toEqual([1700, 1500, 1500]);
    expect(listed.map((products) => products.find((p) => p.sku === "PL-HERD-1")!.price)).toEqual([1700, 1700, 1700]);
    // The next order after the read has the new price, from the isolate's copy.
    expect((await prices.lookup(counted, ["PL-HERD-1"], 30_000))[0]).toMatchObject({ price: 1700 });
    expect(reads).toBe(2);
  });

  it("finds a product added elsewhere at once: unknown SKUs are always asked of the Catalog", async () => {
    const prices = new PriceList();
    await catalog().upsert("PL-MUG-2", mug);
    expect(await prices.lookup(catalog(), ["PL-MUG-2", "PL-NEW-2"], 30_000)).toHaveLength(1);
    await catalog().upsert("PL-NEW-2", { ...mug, name: "New" });
    expect((await prices.lookup(catalog(), ["PL-MUG-2", "PL-NEW-2"], 30_000)).map((p) => p.sku).sort()).toEqual(["PL-MUG-2", "PL-NEW-2"]);
  });

  it("lists the catalog from one read per window, with this isolate's own changes at once", async () => {
    let now = 2_000_000;
    const prices = new PriceList(() => now);
    await catalog().upsert("PL-LIST-1", mug);
    const first = await prices.catalogue(catalog(), 30_000);
    await catalog().upsert("PL-LIST-2", mug); // as another isolate would
    expect((await prices.catalogue(catalog(), 30_000)).map((p) => p.sku)).toEqual(first.map((p) => p.sku));
    prices.remember({ ...(await catalog().upsert("PL-LIST-3", mug)).product }, 30_000); // through this isolate
    expect((await prices.catalogue(catalog(), 30_000)).map((p) => p.sku)).toContain("PL-LIST-3");
    now += 31_000;
    expect((await prices.catalogue(catalog(), 30_000)).map((p) => p.sku)).toContain("PL-LIST-2");
  });

  it("reads the Catalog every time when the window is 0", async () => {
    const prices = new PriceList();
    await catalog().upsert("PL-MUG-3", mug);
    await prices.lookup(catalog(), ["PL-MUG-3"], 0);
    await catalog().upsert("PL-MUG-3", { ...mug, price: 900 });
    expect((await prices.lookup(catalog(), ["PL-MUG-3"], 0))[0]).toMatchObject({ price: 900 });
  });

  it("prices the next order at a price just changed through the API", async () => {
    await call("PUT", "/admin/products/PL-MUG-4", mug, ADMIN);
    expect((await call("POST", "/orders", orderOf("PL-MUG-4"))).json).toMatchObject({ total: 1500 });
    await call("PUT", "/admin/products/PL-MUG-4", { ...mug, price: 2100 }, ADMIN);
    expect((await call("POST", "/orders", orderOf("PL-MUG-4"))).json).toMatchObject({ total: 2100 });
  });
});
