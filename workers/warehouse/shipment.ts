import { DurableObject } from "cloudflare:workers";
import { shippingLabelCreated, type OrderBilled } from "../../src/contracts/events";
import { newId } from "../../src/platform/ids";
import { StoredDocument } from "../../src/platform/document";
import { Mailbox, queueProducers } from "../../src/platform/mailbox";
import { done, reject, retry, type Outcome } from "../../src/platform/outcome";
import { buyLabel, type ShipFrom } from "./carrier";
import type { Inventory } from "./inventory";


export type ShipmentRecord = {
  shipmentId: string;
  orderId: string;
  status: "allocated" | "labelled";
  allocatedAt: string;
  /** Set before each call to the carrier, which has no idempotency key (see docs/architecture.md). */
  labelAttempts: number;
  label?: { transactionId: string; carrier: string; service: string; trackingNumber: string; trackingUrl?: string; labelUrl: string; createdAt: string };
};

/** One order's shipment: allocate its stock, buy its label, announce it once. */
export class Shipment extends DurableObject<WarehouseEnv> {
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<ShipmentRecord>;

  constructor(ctx: DurableObjectState, env: WarehouseEnv) {
    super(ctx, env);
    this.document = new StoredDocument<ShipmentRecord>(ctx.storage.sql, "shipment");
    this.mailbox = new Mailbox(ctx, queueProducers(env));
  }

  async view(): Promise<ShipmentRecord | null> {
    return this.document.load() ?? null;
  }

  async fulfil(event: OrderBilled): Promise<Outcome> {
    if (this.mailbox.hasReceived(event.id)) return done("duplicate order.billed ignored");
    if (this.document.load()?.label) {
      this.mailbox.receive(event.id, () => ({ value: undefined }));
      return done("label already created");
    }
    const { orderId, lines, shipTo } = event.data;

    const inventory = this.env.INVENTORY.get(this.env.INVENTORY.idFromName("inventory")) as DurableObjectStub<Inventory>;
    const allocation = await inventory.allocate(orderId, lines);
    if (!allocation.ok) {
      const short = allocation.short.map((s) => `${s.sku} ${s.available}/${s.requested}`).join(", ");
      // Not lost: retried until restocked (STOCK_RETRY_SECONDS apart), then parked in the DLQ.
      return retry(`stock short for ${orderId}: ${short}`, Number(this.env.STOCK_RETRY_SECONDS) || 60);
    }

    const now = new Date().toISOString();
    const record: ShipmentRecord = this.document.load() ?? {
      shipmentId: newId("shp"),
      orderId,
      status: "allocated",
      allocatedAt: now,
      labelAttempts: 0,
    };
    record.labelAttempts += 1;
    this.document.save(record);

    const config = this.carrierConfig();
    if (!config) return retry("carrier is not configured (CARRIER_API_BASE, CARRIER_API_KEY, SHIP_FROM)", 300);
    const weightGrams = allocation.lines.reduce((sum, line) => sum + line.weightGrams * line.quantity, 0);
    const label = await buyLabel(config.carrier, { orderId, from: config.from, to: shipTo, weightGrams });
    if (label.kind === "retryable") return retry(label.reason, label.afterSeconds);
    if (label.kind === "refused") return reject(label.reason);

    const createdAt = new Date().toISOString();
    const created = shippingLabelCreated.create(
      {
        orderId,
        shipmentId: record.shipmentId,
        carrier: label.carrier,
        service: label.service,
        trackingNumber: label.trackingNumber,
        labelUrl: label.labelUrl,
        createdAt,
        ...(label.trackingUrl ? { trackingUrl: label.trackingUrl } : {}),
      },
      { subject: orderId, causedBy: event },
    );
    this.mailbox.receive(event.id, () => {
      const current = this.document.load()!;
      if (current.label) return { value: undefined };
      const { kind: _kind, ...bought } = label;
      this.document.save({ ...current, status: "labelled", label: { ...bought, createdAt } });
      return { value: undefined, publish: [created] };
    });
    return done();
  }

  override async alarm(): Promise<void> {
    await this.mailbox.alarm();
  }

  private carrierConfig() {
    const { CARRIER_API_BASE, CARRIER_API_KEY, CARRIER_ACCOUNT, CARRIER_SERVICE_LEVEL, SHIP_FROM } = this.env;
    if (!CARRIER_API_BASE || !CARRIER_API_KEY || !SHIP_FROM) return undefined;
    const from = (typeof SHIP_FROM === "string" ? JSON.parse(SHIP_FROM) : SHIP_FROM) as ShipFrom;
    return {
      carrier: { baseUrl: CARRIER_API_BASE, apiKey: CARRIER_API_KEY, carrierAccount: CARRIER_ACCOUNT, serviceLevel: CARRIER_SERVICE_LEVEL },
      from,
    };
  }
}
