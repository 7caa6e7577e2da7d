import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, OrderBilled, OrderCancelled } from "../../src/contracts/events";
import { EntityStore } from "../../src/platform/entity";
import { newId } from "../../src/platform/ids";
import { done, type Outcome } from "../../src/platform/outcome";
import { publishingFor } from "../../src/platform/queues";
import { callOnce } from "../../src/platform/provider-once";
import { buyLabel, carrierConfig, findLabel, voidLabel } from "./carrier";
import { inventoryOf } from "./inventory";
import { whenAllocated, whenCancelled, whenLabelBought, whenLabelLookedUp, whenLabelVoided, whenOrderBilled, whenReleased, type ShipmentRecord, type ShippingStep } from "./shipping";

export type { ShipmentRecord } from "./shipping";

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
      case "hold":
        return this.entity.hold(step.shipment, step.retry);
      case "allocate": {
        const carrier = carrierConfig(this.env);
        if (!carrier.ok) return carrier.retry;
        const allocation = await inventoryOf(this.env).allocate(step.shipment.orderId, step.lines);
        return this.perform(cause, whenAllocated(step.shipment, cause as OrderBilled, allocation, new Date()));
      }
      case "buy_label": {
        const carrier = carrierConfig(this.env);
        if (!carrier.ok) return carrier.retry;
        const billed = cause as OrderBilled;
        const { orderId } = step.shipment;
        const label = await callOnce({
          uncertain: step.uncertain,
          // No attempt can be older than the event that asked for it.
          lookUp: () => findLabel(carrier.config.carrier, orderId, billed.time),
          perform: () => buyLabel(carrier.config.carrier, { orderId, from: carrier.config.from, to: billed.data.shipTo, weightGrams: step.weightGrams }),
        });
        return this.perform(cause, whenLabelBought(step.shipment, billed, label, new Date()));
      }
      case "look_up_label": {
        const carrier = carrierConfig(this.env);
        if (!carrier.ok) return carrier.retry;
        const since = step.shipment.allocatedAt ?? cause.time;
        return this.perform(cause, whenLabelLookedUp(step.shipment, await findLabel(carrier.config.carrier, step.shipment.orderId, since)));
      }
      case "void_label": {
        const carrier = carrierConfig(this.env);
        if (!carrier.ok) return carrier.retry;
        return this.perform(cause, whenLabelVoided(step.shipment, await voidLabel(carrier.config.carrier, step.transactionId), new Date()));
      }
      case "release": {
        const released = await inventoryOf(this.env).release(step.shipment.orderId, step.skus);
        return this.perform(cause, whenReleased(step.shipment, released, step.ending));
      }
    }
  }
}
