import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, OrderBilled, OrderCancelled } from "../../src/contracts/events";
import { EntityStore } from "../../src/platform/entity";
import { newId } from "../../src/platform/ids";
import { done, retry, type Outcome } from "../../src/platform/outcome";
import { publishingFor } from "../../src/platform/queues";
import { buyLabel, voidLabel, type CarrierConfig, type ShipFrom } from "./carrier";
import { inventoryOf } from "./inventory";
import { whenAllocated, whenCancelled, whenLabelBought, whenLabelVoided, whenOrderBilled, whenReleased, type ShipmentRecord, type ShippingStep } from "./shipping";

export type { ShipmentRecord } from "./shipping";

const CARRIER_MISSING = "carrier is not configured (CARRIER_API_BASE, CARRIER_API_KEY, SHIP_FROM)";

/**
 * One order's shipment: allocate its stock, buy its label, announce it once — or undo it. What
 * to do is decided in shipping.ts; this object keeps the record, takes stock and calls the carrier.
 */
export class Shipment extends DurableObject<WarehouseEnv> {
  private readonly entity: EntityStore<ShipmentRecord>;

  constructor(ctx: DurableObjectState, env: WarehouseEnv) {
    super(ctx, env);
    this.entity = new EntityStore(this.ctx.storage, publishingFor(this.env));
  }

  async view(): Promise<ShipmentRecord | null> {
    return this.entity.state ?? null;
  }

  fulfil(event: OrderBilled): Promise<Outcome> {
    return this.entity.handle(event, (shipment) => this.perform(event, whenOrderBilled(shipment, event, { shipmentId: newId("shp"), now: new Date() })));
  }

  /** The customer cancelled: put the stock back and void a label bought in the meantime. */
  cancel(event: OrderCancelled): Promise<Outcome> {
    return this.entity.handle(event, (shipment) => this.perform(event, whenCancelled(shipment, event, { shipmentId: newId("shp") })));
  }

  private async perform(cause: AnyEvent, step: ShippingStep): Promise<Outcome> {
    switch (step.kind) {
      case "skip":
        return done(step.note);
      case "retry":
      case "reject":
        return step;
      case "record":
        return this.entity.settle(cause, step.shipment, step.publish);
      case "allocate": {
        if (!this.carrierConfig()) return retry(CARRIER_MISSING, 300);
        this.entity.save(step.attempt);
        const allocation = await inventoryOf(this.env).allocate(step.attempt.orderId, step.lines);
        return this.perform(cause, whenAllocated(step.attempt, cause as OrderBilled, allocation, new Date()));
      }
      case "buy_label": {
        const config = this.carrierConfig();
        if (!config) return retry(CARRIER_MISSING, 300);
        const billed = cause as OrderBilled;
        const label = await buyLabel(config.carrier, { orderId: step.attempt.orderId, from: config.from, to: billed.data.shipTo, weightGrams: step.weightGrams });
        return this.perform(cause, whenLabelBought(step.attempt, billed, label, new Date()));
      }
      case "void_label": {
        const config = this.carrierConfig();
        if (!config) return retry(CARRIER_MISSING, 300);
        return this.perform(cause, whenLabelVoided(step.shipment, await voidLabel(config.carrier, step.transactionId), new Date()));
      }
      case "release": {
        const released = await inventoryOf(this.env).release(step.shipment.orderId, step.skus);
        return this.perform(cause, whenReleased(step.shipment, released));
      }
    }
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
