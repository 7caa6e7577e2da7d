import { DurableObject } from "cloudflare:workers";
import { shippingLabelCreated, stockUnavailable, type AnyEvent, type OrderBilled, type OrderCancelled } from "../../src/contracts/events";
import { EntityStore } from "../../src/platform/entity";
import { newId } from "../../src/platform/ids";
import { meteredObject } from "../../src/platform/meter";
import { OneAtATime } from "../../src/platform/one-at-a-time";
import { done, reject, retry, type Outcome } from "../../src/platform/outcome";
import { queueProducers } from "../../src/platform/queues";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { buyLabel, voidLabel, type CarrierConfig, type ShipFrom } from "./carrier";
import { inventoryOf } from "./inventory";

export type ShipmentRecord = {
  shipmentId: string;
  orderId: string;
  /** `unavailable`: stock was short and Billing was told; `cancelled`: the customer cancelled. */
  status: "allocated" | "labelled" | "unavailable" | "cancelled";
  allocatedAt?: string;
  /** The SKUs the order takes stock of, recorded before any is taken. */
  skus?: string[];
  /** Counted before each call to the carrier, which has no idempotency key (see docs/architecture.md). */
  labelAttempts: number;
  label?: { transactionId: string; carrier: string; service: string; trackingNumber: string; trackingUrl?: string; labelUrl: string; createdAt: string };
  /** A label bought before the cancellation reached us is voided (postage refunded). */
  labelVoided?: { refundId: string; at: string };
  released?: { sku: string; quantity: number }[];
};

/** One order's shipment: allocate its stock, buy its label, announce it once — or undo it. */
export class Shipment extends DurableObject<WarehouseEnv> {
  private readonly entity: EntityStore<ShipmentRecord>;
  private readonly serial = new OneAtATime();

  constructor(ctx: DurableObjectState, env: WarehouseEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.entity = new EntityStore(this.ctx.storage, queueProducers(this.env), sandboxHooks(env.SANDBOX_URL));
  }

  async view(): Promise<ShipmentRecord | null> {
    return this.entity.state ?? null;
  }

  fulfil(event: OrderBilled): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.entity.hasApplied(event.id)) return this.entity.redelivered(event);
      const existing = this.entity.state;
      if (existing && existing.status !== "allocated") return done(`shipment already ${existing.status}`);
      const { orderId, lines, shipTo } = event.data;
      const record: ShipmentRecord = existing ?? { shipmentId: newId("shp"), orderId, status: "allocated", labelAttempts: 0 };

      const config = this.carrierConfig();
      if (!config) return retry("carrier is not configured (CARRIER_API_BASE, CARRIER_API_KEY, SHIP_FROM)", 300);
      // Written before any stock is taken, so a cancellation always knows which SKUs to give back,
      // and before the carrier is called, which has no idempotency key.
      const skus = lines.map((line) => line.sku);
      const attempt = { ...record, skus, allocatedAt: record.allocatedAt ?? new Date().toISOString(), labelAttempts: record.labelAttempts + 1 };
      this.entity.save(attempt);

      const allocation = await inventoryOf(this.env).allocate(orderId, lines);
      if (!allocation.ok) {
        // The customer is refunded rather than kept waiting (see docs/operations.md).
        const unavailable = stockUnavailable.create(
          { orderId, shortages: allocation.short, detectedAt: new Date().toISOString() },
          { subject: orderId, causedBy: event },
        );
        return this.entity.settle(event, { ...record, skus, status: "unavailable" }, [unavailable]);
      }
      const weightGrams = allocation.lines.reduce((sum, line) => sum + line.weightGrams * line.quantity, 0);
      const label = await buyLabel(config.carrier, { orderId, from: config.from, to: shipTo, weightGrams });
      if (label.kind === "retryable") return retry(label.reason, label.afterSeconds);
      if (label.kind === "refused") return reject(label.reason);

      const createdAt = new Date().toISOString();
      const { kind: _kind, ...bought } = label;
      const created = shippingLabelCreated.create(
        { orderId, shipmentId: record.shipmentId, ...bought, createdAt },
        { subject: orderId, causedBy: event },
      );
      return this.entity.settle(event, { ...attempt, status: "labelled", label: { ...bought, createdAt } }, [created]);
    });
  }

  /** The customer cancelled: put the stock back and void a label bought in the meantime. */
  cancel(event: OrderCancelled): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.entity.hasApplied(event.id)) return this.entity.redelivered(event);
      const record = this.entity.state ?? { shipmentId: newId("shp"), orderId: event.subject, status: "allocated" as const, labelAttempts: 0 };
      if (record.status === "cancelled" || record.status === "unavailable") return done(`shipment already ${record.status}`);
      let labelVoided = record.labelVoided;
      if (record.label && !labelVoided) {
        const config = this.carrierConfig();
        if (!config) return retry("carrier is not configured", 300);
        const voided = await voidLabel(config.carrier, record.label.transactionId);
        if (voided.kind === "retryable") return retry(voided.reason, voided.afterSeconds);
        if (voided.kind === "refused") return reject(voided.reason);
        labelVoided = { refundId: voided.refundId, at: new Date().toISOString() };
      }
      const released = await inventoryOf(this.env).release(event.subject, record.skus ?? []);
      return this.entity.settle(event, { ...record, status: "cancelled", released, ...(labelVoided ? { labelVoided } : {}) }, []);
    });
  }


  private carrierConfig(): { carrier: CarrierConfig; from: ShipFrom } | undefined {
    const { CARRIER_API_BASE, CARRIER_API_KEY, CARRIER_ACCOUNT, CARRIER_SERVICE_LEVEL, SHIP_FROM } = this.env;
    if (!CARRIER_API_BASE || !CARRIER_API_KEY || !SHIP_FROM) return undefined;
    const from = (typeof SHIP_FROM === "string" ? JSON.parse(SHIP_FROM) : SHIP_FROM) as ShipFrom;
    return {
      carrier: { baseUrl: CARRIER_API_BASE, apiKey: CARRIER_API_KEY, carrierAccount: CARRIER_ACCOUNT, serviceLevel: CARRIER_SERVICE_LEVEL },
      from,
    };
  }
}
