import type { Address } from "../../src/contracts/values";
import { callProvider } from "../../src/platform/provider";
import { providerConfig } from "../../src/platform/provider-config";
import type { Trace } from "../../src/platform/provider-once";

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

/** How far back a lookup pages through the carrier's transactions (newest first). */
const LOOKUP_PAGES = 10;

/**
 * The order's label as the carrier has it, found by the order in the transaction's metadata
 * (Shippo has no idempotency key): what a purchase whose answer never came back bought. Pages
 * newest first and stops at transactions older than `since` (before any attempt could be made).
 */
export async function findLabel(config: CarrierConfig, orderId: string, since: string): Promise<Trace<LabelPurchase>> {
  const oldest = Date.parse(since) - 60_000;
  let url: string | null = `${config.baseUrl.replace(/\/$/, "")}/transactions/?results=100`;
  for (let page = 0; url; page++) {
    // Past this many pages the answer is unknown, not "none": wait (and park) rather than buy twice.
    if (page === LOOKUP_PAGES) return { kind: "retryable", reason: `carrier lookup for order ${orderId} did not reach ${since} within ${LOOKUP_PAGES} pages`, afterSeconds: 3600 };
    const reply = await callProvider("carrier", url, { headers: { authorization: `ShippoToken ${config.apiKey}` } });
    if (reply.kind === "retryable") return reply;
    if (reply.kind === "refused") return { kind: "retryable", reason: reply.reason, afterSeconds: 60 };
    const body = reply.body as { next?: string | null; results?: (ShippoTransaction & { metadata?: string; object_created?: string })[] };
    const results = body.results ?? [];
    const bought = results.find((tx) => tx.metadata === metadataOf(orderId) && tx.status === "SUCCESS");
    if (bought) return { kind: "found", result: purchaseOf(bought, config) };
    if (results.some((tx) => tx.object_created && Date.parse(tx.object_created) < oldest)) break;
    url = body.next ?? null;
  }
  return { kind: "none" };
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
