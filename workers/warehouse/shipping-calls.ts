import type { AnyEvent, OrderBilled } from "../../src/contracts/events";
import { callOnce } from "../../src/platform/provider-once";
import { buyLabel, findLabel, voidLabel, type CarrierConfig, type ShipFrom } from "./carrier";
import { stockOf, type StockItem } from "./inventory";
import { whenAllocated, whenLabelBought, whenLabelLookedUp, whenLabelVoided, whenReleased, type ShippingStep } from "./shipping";

/** The steps of Warehouse's decisions that take or give back stock, or call the carrier. */
export type ShippingCall = Extract<ShippingStep, { kind: "allocate" | "buy_label" | "look_up_label" | "void_label" | "release" }>;

/** The stock objects, and the carrier (not needed to give stock back). */
export type ShippingResources = { stock: DurableObjectNamespace<StockItem>; carrier?: CarrierConfig; from?: ShipFrom };

function carrierOf(resources: ShippingResources): { carrier: CarrierConfig; from: ShipFrom } {
  if (!resources.carrier || !resources.from) throw new Error("the carrier is not configured");
  return { carrier: resources.carrier, from: resources.from };
}

/**
 * Performs what a shipping decision asked for and feeds the result to the decision that reads
 * it. Shared by the Shipment object (choreography) and the order's workflow (orchestration).
 */
export async function performShipping(resources: ShippingResources, cause: AnyEvent, step: ShippingCall): Promise<ShippingStep> {
  const { orderId } = step.shipment;
  switch (step.kind) {
    case "allocate":
      return whenAllocated(step.shipment, cause as OrderBilled, await stockOf(resources.stock).allocate(orderId, step.lines), new Date());
    case "buy_label": {
      const { carrier, from } = carrierOf(resources);
      const billed = cause as OrderBilled;
      const label = await callOnce({
        uncertain: step.uncertain,
        // No attempt can be older than the event that asked for it.
        lookUp: () => findLabel(carrier, orderId, billed.time),
        perform: () => buyLabel(carrier, { orderId, from, to: billed.data.shipTo, weightGrams: step.weightGrams }),
      });
      return whenLabelBought(step.shipment, billed, label, new Date());
    }
    case "look_up_label":
      return whenLabelLookedUp(step.shipment, await findLabel(carrierOf(resources).carrier, orderId, step.shipment.allocatedAt ?? cause.time));
    case "void_label":
      return whenLabelVoided(step.shipment, await voidLabel(carrierOf(resources).carrier, step.transactionId), new Date());
    case "release":
      return whenReleased(step.shipment, await stockOf(resources.stock).release(orderId, step.skus), step.ending);
  }
}
