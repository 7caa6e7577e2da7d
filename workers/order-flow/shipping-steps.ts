import type { AnyEvent, OrderBilled, OrderCancelled } from "../../src/contracts/events";
import { newId } from "../../src/platform/ids";
import { carrierConfig } from "../warehouse/carrier";
import type { StockItem } from "../warehouse/inventory";
import { whenCancelled, whenOrderBilled, type ShipmentRecord, type ShippingStep } from "../warehouse/shipping";
import { performShipping, type ShippingCall } from "../warehouse/shipping-calls";
import { settle, type Settled } from "./settle";

type CarrierEnv = Parameters<typeof carrierConfig>[0];

/** Warehouse's decisions (workers/warehouse/shipping.ts), performed with Warehouse's stock objects and carrier calls. */
function settleShipment(env: CarrierEnv, stock: DurableObjectNamespace<StockItem>, cause: AnyEvent, first: ShippingStep, shipment?: ShipmentRecord): Promise<Settled<ShipmentRecord>> {
  return settle(
    first,
    shipment,
    (step) => (step as Extract<typeof step, { kind: "record" }>).shipment,
    async (step) => {
      // Giving stock back needs no carrier.
      if (step.kind === "release") return performShipping({ stock }, cause, step);
      const carrier = carrierConfig(env);
      if (!carrier.ok) return carrier.retry;
      return performShipping({ stock, ...carrier.config }, cause, step as ShippingCall);
    },
  );
}

/**
 * Takes the billed order's stock and buys its label. A retried step finds its stock already
 * held (stock objects remember each order), so the carrier is asked for a label it may have
 * bought before buying one.
 */
export const ship = (env: CarrierEnv, stock: DurableObjectNamespace<StockItem>, billed: OrderBilled) =>
  settleShipment(env, stock, billed, whenOrderBilled(undefined, billed, { shipmentId: newId("shp"), now: new Date() }));

/**
 * The customer cancelled: void the label, if one was bought, and give the stock back. Without a
 * shipment, `earlierTries` of the shipping step that never answered may have bought a label:
 * Warehouse's decisions then look it up at the carrier (since the payment: no try is older).
 */
export const cancel = (
  env: CarrierEnv,
  stock: DurableObjectNamespace<StockItem>,
  cancellation: OrderCancelled,
  shipment: ShipmentRecord | undefined,
  earlierTries?: { count: number; since: string },
) => settleShipment(env, stock, cancellation, whenCancelled(shipment, cancellation, { shipmentId: newId("shp"), ...(earlierTries ? { unansweredTries: earlierTries } : {}) }), shipment);
