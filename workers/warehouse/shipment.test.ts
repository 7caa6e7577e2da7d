import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { billedEvent, cancelledEvent, placedEvent } from "../../test/fixtures/orders";
import { sandboxClient } from "../../test/fixtures/sandbox";
import { tapped } from "../../test/fixtures/tap";
import { buyLabel, carrierConfig, findLabel } from "./carrier";
import { inventoryOf } from "./inventory";
import { orderEventHandlers, shipmentOf } from "./order-events";
import { typesFor } from "../../src/contracts/topology";

const e = env as WarehouseEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;
const sandbox = sandboxClient(inject("sandboxUrl"));
const inventory = () => inventoryOf(e);

const labelsFor = async (orderId: string) => (await sandbox.objects<{ metadata: string }>("label")).filter((label) => label.metadata === `order ${orderId}`);
const fault = sandbox.fault;

beforeAll(async () => {
  await inventory().setStock("MUG-001", { available: 100, weightGrams: 350 });
  await inventory().setStock("SCARCE-001", { available: 1, weightGrams: 100 });
});

describe("Shipment", () => {
  it("allocates stock, buys one label and announces it to Sales", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    expect(await shipment.fulfil(billed)).toEqual({ kind: "done" });
    const record = await shipment.view();
    expect(record).toMatchObject({ orderId: billed.subject, status: "labelled", labelAttempts: 1 });
    const [published] = await tapped(tap, (m) => m.body.subject === billed.subject);
    expect(published?.body).toMatchObject({
      type: "shipping_label.created.v1",
      source: "/warehouse",
      causationid: billed.id,
      data: { orderId: billed.subject, shipmentId: record?.shipmentId, carrier: "USPS", trackingNumber: record?.label?.trackingNumber },
    });
    const labels = await labelsFor(billed.subject);
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ status: "SUCCESS" });
  });

  it("sends the carrier the ship-to address and the parcel weight of what was allocated", async () => {
    const billed = billedEvent(placedEvent().subject);
    await shipmentOf(e.SHIPMENTS, billed.subject).fulfil(billed);
    const requests = await sandbox.requests("carrier");
    const request = requests.find((r) => r.body.includes(billed.subject))!;
    expect(request.headers["authorization"]).toBe("ShippoToken shippo_test_unit");
    const body = JSON.parse(request.body);
    expect(body.shipment.address_to).toMatchObject({ name: "Ada Lovelace", street1: "1 Main St", city: "Springfield", zip: "12345", country: "US" });
    expect(body.shipment.parcels[0]).toMatchObject({ weight: "700", mass_unit: "g" });
    expect(body.carrier_account).toBe("sandbox-usps");
  });

  it("takes stock once and buys one label however often order.billed arrives", async () => {
    const before = (await inventory().list()).find((s) => s.sku === "MUG-001")!.available;
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    await shipment.fulfil(billed);
    await shipment.fulfil(billed);
    await shipment.fulfil({ ...billed, id: crypto.randomUUID() });
    expect((await inventory().list()).find((s) => s.sku === "MUG-001")!.available).toBe(before - 2);
    expect(await labelsFor(billed.subject)).toHaveLength(1);
  });

  it("reports stock.unavailable to Billing when stock is short, taking nothing", async () => {
    const billed = billedEvent(placedEvent().subject);
    const lines = [{ sku: "SCARCE-001", quantity: 2 }];
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    expect(await shipment.fulfil({ ...billed, data: { ...billed.data, lines } })).toEqual({ kind: "done" });
    expect((await inventory().list()).find((s) => s.sku === "SCARCE-001")!.available).toBe(1);
    expect(await labelsFor(billed.subject)).toHaveLength(0);
    expect((await shipment.view())?.status).toBe("unavailable");
    const [unavailable] = await tapped(tap, (m) => m.body.subject === billed.subject);
    expect(unavailable).toMatchObject({
      queue: "billing",
      body: { type: "stock.unavailable.v1", causationid: billed.id, data: { shortages: [{ sku: "SCARCE-001", requested: 2, available: 1 }] } },
    });
  });

  it("retries a carrier outage without taking the stock twice", async () => {
    await fault({ provider: "carrier", mode: "error", remaining: 1 });
    const before = (await inventory().list()).find((s) => s.sku === "MUG-001")!.available;
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    expect((await shipment.fulfil(billed)).kind).toBe("retry");
    expect(await shipment.fulfil(billed)).toEqual({ kind: "done" });
    expect((await inventory().list()).find((s) => s.sku === "MUG-001")!.available).toBe(before - 2);
    expect((await shipment.view())?.labelAttempts).toBe(2);
    expect(await labelsFor(billed.subject)).toHaveLength(1);
  });

  it("buys one label when the carrier's answer was lost: the retry finds it at the carrier by the order", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    await fault({ provider: "carrier", mode: "lost", remaining: 1 });
    expect(await shipment.fulfil(billed)).toMatchObject({ kind: "retry", reason: expect.stringContaining("504") });
    expect(await shipment.fulfil(billed)).toEqual({ kind: "done" });
    const labels = (await labelsFor(billed.subject)) as unknown as { object_id: string; tracking_number: string }[];
    expect(labels).toHaveLength(1);
    expect(await shipment.view()).toMatchObject({ status: "labelled", labelAttempts: 2, label: { transactionId: labels[0]!.object_id } });
    const [published] = await tapped(tap, (m) => m.body.subject === billed.subject);
    expect(published?.body).toMatchObject({ type: "shipping_label.created.v1", data: { trackingNumber: labels[0]!.tracking_number } });
  });

  it("gives back stock an attempt took without writing it down, when the cancellation arrives first", async () => {
    const billed = billedEvent(placedEvent().subject);
    const before = (await inventory().list()).find((level) => level.sku === "MUG-001")!.available;
    // Stock taken by an attempt that crashed before the shipment's one write.
    await inventory().allocate(billed.subject, billed.data.lines);
    const cancelled = { ...cancelledEvent(billed.subject), data: { ...cancelledEvent(billed.subject).data, skus: ["MUG-001"] } };
    expect(await shipmentOf(e.SHIPMENTS, billed.subject).cancel(cancelled)).toEqual({ kind: "done" });
    expect((await inventory().list()).find((level) => level.sku === "MUG-001")!.available).toBe(before);
  });

  it("does not retry an address the carrier refuses", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipTo = { ...billed.data.shipTo, address: { ...billed.data.shipTo.address, city: "" } };
    const outcome = await shipmentOf(e.SHIPMENTS, billed.subject).fulfil({ ...billed, data: { ...billed.data, shipTo } });
    expect(outcome).toEqual({ kind: "reject", reason: expect.stringContaining("400") });
  });
});

const mugs = async () => (await inventory().list()).find((s) => s.sku === "MUG-001")!.available;

describe("Shipment cancellation", () => {
  it("puts allocated stock back when the order is cancelled before its label", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    await fault({ provider: "carrier", mode: "error", remaining: 1 });
    const before = await mugs();
    expect((await shipment.fulfil(billed)).kind).toBe("retry"); // allocated, label not bought
    expect(await mugs()).toBe(before - 2);
    expect(await shipment.cancel(cancelledEvent(billed.subject))).toEqual({ kind: "done" });
    expect(await mugs()).toBe(before);
    expect(await shipment.fulfil(billed)).toMatchObject({ kind: "done", note: "shipment already cancelled" });
    expect(await mugs()).toBe(before);
    expect(await labelsFor(billed.subject)).toHaveLength(0);
  });

  it("voids a label bought before the cancellation arrived, and restocks", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    const before = await mugs();
    await shipment.fulfil(billed);
    const cancel = cancelledEvent(billed.subject);
    expect(await shipment.cancel(cancel)).toEqual({ kind: "done" });
    expect(await shipment.cancel(cancel)).toMatchObject({ kind: "done", note: expect.stringContaining("duplicate") });
    expect(await mugs()).toBe(before);
    const [label] = await labelsFor(billed.subject);
    expect(label).toMatchObject({ refunded: true });
    expect((await shipment.view())?.labelVoided?.refundId).toMatch(/^rf_/);
  });

  it("ignores an order.billed that arrives after the cancellation", async () => {
    const billed = billedEvent(placedEvent().subject);
    const shipment = shipmentOf(e.SHIPMENTS, billed.subject);
    const before = await mugs();
    await shipment.cancel(cancelledEvent(billed.subject));
    expect(await shipment.fulfil(billed)).toMatchObject({ kind: "done", note: "shipment already cancelled" });
    expect(await mugs()).toBe(before);
  });
});

describe("Warehouse's subscriptions", () => {
  it("handles exactly the event types the topology sends to its queue", () => {
    expect(Object.keys(orderEventHandlers({} as never)).sort()).toEqual(typesFor("warehouse").sort());
  });
});

describe("finding a label whose purchase got no answer", () => {
  it("reaches back past more newer labels than ten pages hold", async () => {
    const carrier = carrierConfig(e);
    if (!carrier.ok) throw new Error("the test's carrier settings are incomplete");
    const { carrier: config, from } = carrier.config;
    const billed = billedEvent(placedEvent().subject);
    const to = billed.data.shipTo;
    const since = new Date().toISOString();
    const lost = await buyLabel(config, { orderId: billed.subject, from, to, weightGrams: 700 });
    expect(lost.kind).toBe("bought");
    // A busy carrier account: 1,500 labels since (the lookup read ten pages of 100 before).
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => buyLabel(config, { orderId: placedEvent().subject, from, to, weightGrams: 700 })));
    }
    expect(await findLabel(config, billed.subject, since)).toEqual({ kind: "found", result: lost });
    expect(await findLabel(config, placedEvent().subject, since)).toEqual({ kind: "none" });
  }, 120_000);
});
