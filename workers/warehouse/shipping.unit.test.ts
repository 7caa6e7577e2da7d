import { describe, expect, it } from "vitest";
import { billedEvent, cancelledEvent, placedEvent } from "../../test/fixtures/orders";
import { whenAllocated, whenCancelled, whenLabelBought, whenLabelLookedUp, whenLabelVoided, whenOrderBilled, whenReleased, type ShipmentRecord } from "./shipping";

const now = new Date("2026-11-29T10:00:00.000Z");
const bought = { kind: "bought" as const, transactionId: "tx_1", carrier: "USPS", service: "usps_priority", trackingNumber: "9400", labelUrl: "https://labels/1.pdf" };

function billed() {
  return billedEvent(placedEvent().subject);
}

function allocatedFor(event: ReturnType<typeof billed>): ShipmentRecord {
  const step = whenOrderBilled(undefined, event, { shipmentId: "shp_1", now });
  if (step.kind !== "allocate") throw new Error(`expected allocate, got ${step.kind}`);
  return step.shipment;
}

describe("Warehouse decides", () => {
  describe("when an order is billed", () => {
    it("given no shipment: takes the stock of its lines, writing nothing first", () => {
      const event = billed();
      const step = whenOrderBilled(undefined, event, { shipmentId: "shp_1", now });
      expect(step).toEqual({
        kind: "allocate",
        lines: event.data.lines,
        shipment: { shipmentId: "shp_1", orderId: event.subject, status: "allocated", skus: event.data.lines.map((l) => l.sku), allocatedAt: now.toISOString(), labelAttempts: 0 },
      });
    });

    it("given a shipment already labelled or cancelled: does nothing again", () => {
      const event = billed();
      for (const status of ["labelled", "cancelled", "unavailable"] as const) {
        expect(whenOrderBilled({ ...allocatedFor(event), status }, event, { shipmentId: "shp_2", now })).toEqual({ kind: "skip", note: `shipment already ${status}` });
      }
    });

    it("given an earlier attempt that got no label: tries again under the same shipment id and attempt count", () => {
      const event = billed();
      const earlier = { ...allocatedFor(event), labelAttempts: 1 };
      const step = whenOrderBilled(earlier, event, { shipmentId: "shp_other", now });
      expect(step).toMatchObject({ kind: "allocate", shipment: { shipmentId: "shp_1", labelAttempts: 1 } });
    });
  });

  describe("when the stock is taken", () => {
    it("buys the label for the weight of what was allocated, straight away on a first attempt", () => {
      const event = billed();
      const allocation = { ok: true as const, alreadyAllocated: false, lines: [{ sku: "MUG-001", quantity: 2, weightGrams: 350 }, { sku: "TEE-001", quantity: 1, weightGrams: 200 }] };
      expect(whenAllocated(allocatedFor(event), event, allocation, now)).toMatchObject({ kind: "buy_label", weightGrams: 900, uncertain: false });
    });

    it("asks the carrier first when an earlier attempt may have bought a label: stock already held, or an attempt counted", () => {
      const event = billed();
      const lines = [{ sku: "MUG-001", quantity: 1, weightGrams: 350 }];
      expect(whenAllocated(allocatedFor(event), event, { ok: true, alreadyAllocated: true, lines }, now)).toMatchObject({ kind: "buy_label", uncertain: true });
      expect(whenAllocated({ ...allocatedFor(event), labelAttempts: 1 }, event, { ok: true, alreadyAllocated: false, lines }, now)).toMatchObject({ kind: "buy_label", uncertain: true });
    });

    it("short: tells Billing with the shortages, and keeps no label attempt it never made", () => {
      const event = billed();
      const step = whenAllocated(allocatedFor(event), event, { ok: false, short: [{ sku: "MUG-001", requested: 2, available: 1 }] }, now);
      expect(step).toMatchObject({ kind: "record", shipment: { status: "unavailable", labelAttempts: 0 } });
      if (step.kind === "record") expect(step.publish[0]).toMatchObject({ type: "stock.unavailable.v1", causationid: event.id, data: { shortages: [{ sku: "MUG-001", requested: 2, available: 1 }] } });
    });
  });

  describe("when the carrier answers", () => {
    it("bought: the shipment is labelled and shipping_label.created carries the tracking", () => {
      const event = billed();
      const step = whenLabelBought(allocatedFor(event), event, bought, now);
      expect(step).toMatchObject({ kind: "record", shipment: { status: "labelled", label: { transactionId: "tx_1", trackingNumber: "9400", createdAt: now.toISOString() } } });
      if (step.kind === "record") expect(step.publish[0]).toMatchObject({ type: "shipping_label.created.v1", data: { shipmentId: "shp_1", trackingNumber: "9400" } });
    });

    it("bought: counts the attempt that got it", () => {
      const event = billed();
      expect(whenLabelBought(allocatedFor(event), event, bought, now)).toMatchObject({ kind: "record", shipment: { labelAttempts: 1 } });
    });

    it("no answer: keeps the attempt counted (so the next one asks the carrier first) and retries when the carrier asked; refused: parks the message", () => {
      const event = billed();
      expect(whenLabelBought(allocatedFor(event), event, { kind: "retryable", reason: "carrier 503", afterSeconds: 2 }, now)).toEqual({
        kind: "hold",
        shipment: { ...allocatedFor(event), labelAttempts: 1 },
        retry: { kind: "retry", reason: "carrier 503", afterSeconds: 2 },
      });
      expect(whenLabelBought(allocatedFor(event), event, { kind: "refused", reason: "carrier 400" }, now)).toEqual({ kind: "reject", reason: "carrier 400" });
    });

    it("undeliverable: gives the stock back, then ends the shipment and tells Billing, which refunds", () => {
      const event = billed();
      const step = whenLabelBought(allocatedFor(event), event, { kind: "undeliverable", reason: "address not found" }, now);
      expect(step).toMatchObject({ kind: "release", skus: event.data.lines.map((l) => l.sku), shipment: { undeliverable: { reason: "address not found" } } });
      if (step.kind !== "release") return;
      const ended = whenReleased(step.shipment, [{ sku: "MUG-001", quantity: 2 }], step.ending);
      expect(ended).toMatchObject({ kind: "record", shipment: { status: "undeliverable", released: [{ sku: "MUG-001", quantity: 2 }] } });
      if (ended.kind === "record") expect(ended.publish[0]).toMatchObject({ type: "shipment.undeliverable.v1", causationid: event.id, data: { orderId: event.subject, reason: "address not found" } });
      // Nothing more happens to it: a late cancellation or a redelivery changes nothing.
      if (ended.kind !== "record") return;
      expect(whenCancelled(ended.shipment, cancelledEvent(event.subject), { shipmentId: "shp_x" })).toEqual({ kind: "skip", note: "shipment already undeliverable" });
      expect(whenOrderBilled(ended.shipment, event, { shipmentId: "shp_y", now })).toEqual({ kind: "skip", note: "shipment already undeliverable" });
    });
  });

  describe("when the customer cancels", () => {
    it("given a label: voids it first, then gives the stock back, then the shipment is cancelled", () => {
      const event = billed();
      const labelled = whenLabelBought(allocatedFor(event), event, bought, now);
      if (labelled.kind !== "record") throw new Error("expected a labelled shipment");
      const cancel = whenCancelled(labelled.shipment, cancelledEvent(event.subject), { shipmentId: "shp_x" });
      expect(cancel).toMatchObject({ kind: "void_label", transactionId: "tx_1" });
      if (cancel.kind !== "void_label") return;
      const release = whenLabelVoided(cancel.shipment, { kind: "voided", refundId: "rf_1" }, now);
      expect(release).toMatchObject({ kind: "release", skus: event.data.lines.map((l) => l.sku), shipment: { labelVoided: { refundId: "rf_1" } } });
      if (release.kind !== "release") return;
      expect(whenReleased(release.shipment, [{ sku: "MUG-001", quantity: 2 }])).toMatchObject({
        kind: "record",
        publish: [],
        shipment: { status: "cancelled", released: [{ sku: "MUG-001", quantity: 2 }], labelVoided: { refundId: "rf_1" } },
      });
    });

    it("given nothing yet: the shipment is cancelled with nothing to give back, and a late order.billed changes nothing", () => {
      const cancelled = cancelledEvent(placedEvent().subject);
      const step = whenCancelled(undefined, cancelled, { shipmentId: "shp_3" });
      expect(step).toEqual({ kind: "release", skus: [], shipment: { shipmentId: "shp_3", orderId: cancelled.subject, status: "allocated", labelAttempts: 0 }, ending: { status: "cancelled", publish: [] } });
      if (step.kind !== "release") return;
      const done = whenReleased(step.shipment, []);
      if (done.kind !== "record") throw new Error("expected a record");
      expect(whenOrderBilled(done.shipment, billedEvent(cancelled.subject), { shipmentId: "shp_4", now })).toEqual({ kind: "skip", note: "shipment already cancelled" });
    });

    it("given a label attempt that got no answer: asks the carrier, voids a label it bought, else gives the stock back", () => {
      const event = billed();
      const held = { ...allocatedFor(event), labelAttempts: 1 };
      const step = whenCancelled(held, cancelledEvent(event.subject), { shipmentId: "shp_x" });
      expect(step).toEqual({ kind: "look_up_label", shipment: held });
      expect(whenLabelLookedUp(held, { kind: "found", result: bought })).toMatchObject({ kind: "void_label", transactionId: "tx_1", shipment: { label: { transactionId: "tx_1" } } });
      expect(whenLabelLookedUp(held, { kind: "none" })).toMatchObject({ kind: "release", skus: held.skus, ending: { status: "cancelled" } });
      expect(whenLabelLookedUp(held, { kind: "retryable", reason: "carrier 503" })).toEqual({ kind: "retry", reason: "carrier 503" });
    });

    it("given no record but shipping tries that got no answer (the workflow): asks the carrier for a label bought since", () => {
      const order = placedEvent().subject;
      const since = "2026-11-29T10:00:00.000Z";
      expect(whenCancelled(undefined, cancelledEvent(order), { shipmentId: "shp_6", unansweredTries: { count: 2, since } })).toEqual({
        kind: "look_up_label",
        shipment: { shipmentId: "shp_6", orderId: order, status: "allocated", labelAttempts: 2, allocatedAt: since },
      });
      expect(whenCancelled(undefined, cancelledEvent(order), { shipmentId: "shp_7", unansweredTries: { count: 0, since } })).toMatchObject({ kind: "release" });
    });

    it("given no record but a cancellation naming the SKUs: gives back whatever an unrecorded attempt took of them", () => {
      const order = placedEvent().subject;
      const cancelled = { ...cancelledEvent(order), data: { ...cancelledEvent(order).data, skus: ["MUG-001", "TEE-001"] } };
      expect(whenCancelled(undefined, cancelled, { shipmentId: "shp_5" })).toMatchObject({ kind: "release", skus: ["MUG-001", "TEE-001"] });
    });
  });
});
