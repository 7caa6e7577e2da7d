import { DurableObject } from "cloudflare:workers";
import { shippingLabelCreated, stockUnavailable, type AnyEvent, type OrderBilled, type OrderCancelled } from "../../src/contracts/events";
import { StoredDocument } from "../../src/platform/document";
import { newId } from "../../src/platform/ids";
import { Mailbox, OUTBOX_TIMER, queueProducers } from "../../src/platform/mailbox";
import { meteredObject } from "../../src/platform/meter";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { webhookSubscriptionsOf } from "../../src/platform/webhook-subscriptions";
import { OneAtATime } from "../../src/platform/one-at-a-time";
import { done, reject, retry, type Outcome } from "../../src/platform/outcome";
import { runDueTimers, Timers } from "../../src/platform/timers";
import { buyLabel, voidLabel, type CarrierConfig, type ShipFrom } from "./carrier";
import { inventoryOf } from "./inventory";

export type ShipmentRecord = {
  shipmentId: string;
  orderId: string;
  /** `unavailable`: stock was short and Billing was told; `cancelled`: the customer cancelled. */
  status: "allocated" | "labelled" | "unavailable" | "cancelled";
  allocatedAt?: string;
  /** Counted before each call to the carrier, which has no idempotency key (see docs/architecture.md). */
  labelAttempts: number;
  label?: { transactionId: string; carrier: string; service: string; trackingNumber: string; trackingUrl?: string; labelUrl: string; createdAt: string };
  /** A label bought before the cancellation reached us is voided (postage refunded). */
  labelVoided?: { refundId: string; at: string };
  released?: { sku: string; quantity: number }[];
};

/** One order's shipment: allocate its stock, buy its label, announce it once — or undo it. */
export class Shipment extends DurableObject<WarehouseEnv> {
  private readonly timers: Timers;
  private readonly mailbox: Mailbox;
  private readonly document: StoredDocument<ShipmentRecord>;
  private readonly serial = new OneAtATime();

  constructor(ctx: DurableObjectState, env: WarehouseEnv) {
    super(ctx, env);
    meteredObject(this, ctx, env); // bench only: counts billed operations when METER_URL is set
    this.timers = new Timers(this.ctx.storage);
    this.document = new StoredDocument(this.ctx.storage.sql, "shipment");
    this.mailbox = new Mailbox(this.ctx, this.timers, queueProducers(this.env), { sandbox: sandboxHooks(env.SANDBOX_URL), webhookSubscriptions: webhookSubscriptionsOf(this.env) });
  }

  async view(): Promise<ShipmentRecord | null> {
    return this.document.load() ?? null;
  }

  fulfil(event: OrderBilled): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.mailbox.hasReceived(event.id)) return done("duplicate order.billed ignored");
      const existing = this.document.load();
      if (existing && existing.status !== "allocated") return this.acknowledge(event, `shipment already ${existing.status}`);
      const { orderId, lines, shipTo } = event.data;
      const record: ShipmentRecord = existing ?? { shipmentId: newId("shp"), orderId, status: "allocated", labelAttempts: 0 };

      const allocation = await inventoryOf(this.env).allocate(orderId, lines);
      if (!allocation.ok) {
        // The customer is refunded rather than kept waiting (see docs/operations.md).
        const unavailable = stockUnavailable.create(
          { orderId, shortages: allocation.short, detectedAt: new Date().toISOString() },
          { subject: orderId, causedBy: event },
        );
        return this.settle(event, { ...record, status: "unavailable" }, [unavailable]);
      }

      const config = this.carrierConfig();
      if (!config) return retry("carrier is not configured (CARRIER_API_BASE, CARRIER_API_KEY, SHIP_FROM)", 300);
      const attempt = { ...record, allocatedAt: record.allocatedAt ?? new Date().toISOString(), labelAttempts: record.labelAttempts + 1 };
      this.document.save(attempt);
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
      return this.settle(event, { ...attempt, status: "labelled", label: { ...bought, createdAt } }, [created]);
    });
  }

  /** The customer cancelled: put the stock back and void a label bought in the meantime. */
  cancel(event: OrderCancelled): Promise<Outcome> {
    return this.serial.run(async () => {
      if (this.mailbox.hasReceived(event.id)) return done("duplicate order.cancelled ignored");
      const record = this.document.load() ?? { shipmentId: newId("shp"), orderId: event.subject, status: "allocated" as const, labelAttempts: 0 };
      if (record.status === "cancelled" || record.status === "unavailable") return this.acknowledge(event, `shipment already ${record.status}`);
      let labelVoided = record.labelVoided;
      if (record.label && !labelVoided) {
        const config = this.carrierConfig();
        if (!config) return retry("carrier is not configured", 300);
        const voided = await voidLabel(config.carrier, record.label.transactionId);
        if (voided.kind === "retryable") return retry(voided.reason, voided.afterSeconds);
        if (voided.kind === "refused") return reject(voided.reason);
        labelVoided = { refundId: voided.refundId, at: new Date().toISOString() };
      }
      const released = await inventoryOf(this.env).release(event.subject);
      return this.settle(event, { ...record, status: "cancelled", released, ...(labelVoided ? { labelVoided } : {}) }, []);
    });
  }

  override async alarm(): Promise<void> {
    await runDueTimers(this.timers, { [OUTBOX_TIMER]: () => this.mailbox.relay() });
  }

  /** Saves the record as the outcome of `cause`, with what it publishes, atomically. */
  private settle(cause: AnyEvent, record: ShipmentRecord, publish: AnyEvent[]): Outcome {
    this.mailbox.settle(cause.id, () => this.document.save(record), publish);
    return done();
  }

  private acknowledge(cause: AnyEvent, note: string): Outcome {
    this.mailbox.settle(cause.id, () => {});
    return done(note);
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
