import { DurableObject } from "cloudflare:workers";
import type { AnyEvent, OrderBilled, OrderCancelled } from "../../src/contracts/events";
import { EntityStore } from "../../src/platform/entity";
import { newId } from "../../src/platform/ids";
import { done, type Outcome } from "../../src/platform/outcome";
import { publishingFor } from "../../src/platform/queues";
import { carrierConfig } from "./carrier";
import { whenCancelled, whenOrderBilled, type ShipmentRecord, type ShippingStep } from "./shipping";
import { performShipping } from "./shipping-calls";

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
      case "release":
        // Giving stock back needs no carrier: a cancellation is never held up by its setup.
        return this.perform(cause, await performShipping({ stock: this.env.STOCK }, cause, step));
      case "allocate":
      case "buy_label":
      case "look_up_label":
      case "void_label": {
        const carrier = carrierConfig(this.env);
        if (!carrier.ok) return carrier.retry;
        return this.perform(cause, await performShipping({ stock: this.env.STOCK, ...carrier.config }, cause, step));
      }
    }
  }
}
