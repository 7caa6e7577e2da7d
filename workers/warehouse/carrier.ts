import type { Address } from "../../src/contracts/values";
import { callProvider } from "../../src/platform/provider";
import { providerConfig } from "../../src/platform/provider-config";
import { lookBack, type Trace } from "../../src/platform/provider-once";

/** A Shippo-shaped carrier API: one call buys a label ("instalabel"). */
export type CarrierConfig = { baseUrl: string; apiKey: string; carrierAccount: string; serviceLevel: string };

export type ShipFrom = { name: string; street1: string; city: string; state?: string; zip: string; country: string; phone?: string; email?: string };

type CarrierEnv = Partial<Record<"CARRIER_API_BASE" | "CARRIER_API_KEY" | "CARRIER_ACCOUNT" | "CARRIER_SERVICE_LEVEL", unknown>> & { SHIP_FROM?: unknown };

/** The carrier's configuration and the address parcels ship from, from Warehouse's env (SHIP_FROM is JSON or an object). */
export const carrierConfig = (env: CarrierEnv) =>
  providerConfig("carrier", { ...env, SHIP_FROM: typeof env.SHIP_FROM === "object" && env.SHIP_FROM ? JSON.stringify(env.SHIP_FROM) : env.SHIP_FROM }, ["CARRIER_API_BASE", "CARRIER_API_KEY", "SHIP_FROM"], (vars) => ({
    carrier: {
      baseUrl: vars.CARRIER_API_BASE,
      apiKey: vars.CARRIER_API_KEY,
      carrierAccount: String(env.CARRIER_ACCOUNT ?? ""),
      serviceLevel: String(env.CARRIER_SERVICE_LEVEL ?? ""),
    } satisfies CarrierConfig,
    from: JSON.parse(vars.SHIP_FROM) as ShipFrom,
  }));

export type LabelPurchase =
  | { kind: "bought"; transactionId: string; carrier: string; service: string; trackingNumber: string; trackingUrl?: string; labelUrl: string }
  | { kind: "retryable"; reason: string; afterSeconds?: number }
  /** The carrier will not take this parcel (an address it cannot deliver to): the customer's order, not our setup. */
  | { kind: "undeliverable"; reason: string }
  | { kind: "refused"; reason: string };

type ShippoTransaction = {
  object_id: string;
  status: string;
  tracking_number?: string;
  tracking_url_provider?: string;
  label_url?: string;
  rate?: { provider?: string; servicelevel?: { token?: string; name?: string } };
  messages?: { text?: string }[];
};

/** One authenticated JSON POST to the carrier's API. */
function shippoPost(config: CarrierConfig, path: string, body: unknown) {
  return callProvider("carrier", `${config.baseUrl.replace(/\/$/, "")}${path}`, {
    method: "POST",
    headers: { authorization: `ShippoToken ${config.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function buyLabel(
  config: CarrierConfig,
  shipment: {
    orderId: string;
    from: ShipFrom;
    to: { name: string; phone?: string; address: Address };
    weightGrams: number;
  },
): Promise<LabelPurchase> {
  const { address } = shipment.to;
  const reply = await shippoPost(config, "/transactions/", {
    shipment: {
      address_from: shipment.from,
      address_to: {
        name: shipment.to.name,
        street1: address.line1,
        ...(address.line2 ? { street2: address.line2 } : {}),
        city: address.city,
        ...(address.region ? { state: address.region } : {}),
        zip: address.postalCode,
        country: address.country,
        ...(shipment.to.phone ? { phone: shipment.to.phone } : {}),
      },
      parcels: [
        { length: "30", width: "20", height: "15", distance_unit: "cm", weight: String(shipment.weightGrams), mass_unit: "g" },
      ],
    },
    carrier_account: config.carrierAccount,
    servicelevel_token: config.serviceLevel,
    label_file_type: "PDF",
    metadata: metadataOf(shipment.orderId),
    async: false,
  });
  if (reply.kind !== "ok") return reply.kind === "refused" ? { kind: "refused", reason: reply.reason } : reply;
  return purchaseOf(reply.body as ShippoTransaction, config);
}

const metadataOf = (orderId: string) => `order ${orderId}`;

/** What a transaction says about the label. */
function purchaseOf(tx: ShippoTransaction, config: CarrierConfig): LabelPurchase {
  if (tx.status === "ERROR") {
    // Shippo reports address and rate problems as a transaction in status ERROR.
    return { kind: "undeliverable", reason: `label not created: ${tx.messages?.map((m) => m.text).join("; ") || tx.status}` };
  }
  if (tx.status !== "SUCCESS" || !tx.tracking_number || !tx.label_url) return { kind: "refused", reason: `label not created: transaction ${tx.object_id} is ${tx.status}` };
  return {
    kind: "bought",
    transactionId: tx.object_id,
    carrier: tx.rate?.provider ?? "carrier",
    service: tx.rate?.servicelevel?.name ?? config.serviceLevel,
    trackingNumber: tx.tracking_number,
    labelUrl: tx.label_url,
    ...(tx.tracking_url_provider ? { trackingUrl: tx.tracking_url_provider } : {}),
  };
}

/**
 * The order's label as the carrier has it, found by the order in the transaction's metadata
 * (Shippo has no idempotency key): what a purchase whose answer never came back bought.
 */
export function findLabel(config: CarrierConfig, orderId: string, since: string): Promise<Trace<LabelPurchase>> {
  type Listed = ShippoTransaction & { metadata?: string; object_created?: string };
  return lookBack({
    what: `carrier lookup for order ${orderId}`,
    first: `${config.baseUrl.replace(/\/$/, "")}/transactions/?results=100`,
    since,
    get: (url) => callProvider("carrier", url, { headers: { authorization: `ShippoToken ${config.apiKey}` } }),
    page: (body) => {
      const { results, next } = body as { results?: Listed[]; next?: string | null };
      return { items: results ?? [], next: next ?? null, createdAt: (tx: Listed) => (tx.object_created ? Date.parse(tx.object_created) : undefined) };
    },
    match: (txs) => {
      const bought = txs.find((tx) => tx.metadata === metadataOf(orderId) && tx.status === "SUCCESS");
      return bought && purchaseOf(bought, config);
    },
  });
}

export type LabelVoid = { kind: "voided"; refundId: string } | { kind: "retryable"; reason: string; afterSeconds?: number } | { kind: "refused"; reason: string };

/** Asks the carrier to void an unused label and refund its postage (Shippo POST /refunds). */
export async function voidLabel(config: CarrierConfig, transactionId: string): Promise<LabelVoid> {
  const reply = await shippoPost(config, "/refunds/", { transaction: transactionId, async: false });
  if (reply.kind === "refused" && /already been refunded/.test(reply.reason)) {
    // A void that succeeded before we could record it: the label is void either way.
    return { kind: "voided", refundId: `already-voided:${transactionId}` };
  }
  if (reply.kind !== "ok") return reply.kind === "refused" ? { kind: "refused", reason: reply.reason } : reply;
  const refund = reply.body as { object_id: string; status: string };
  if (refund.status === "ERROR") return { kind: "refused", reason: `label ${transactionId} could not be voided` };
  return { kind: "voided", refundId: refund.object_id };
}
