/** Simulates Shippo's instalabel POST /transactions. */
export type CarrierAnswer = { status: number; body: unknown; outcome: "created" | "undeliverable" | "invalid" };

/** A postal code no carrier delivers to, in the sandbox. */
export const UNDELIVERABLE_ZIP = "00000";

type Address = { name?: string; street1?: string; city?: string; zip?: string; country?: string };
type TransactionRequest = {
  shipment?: { address_from?: Address; address_to?: Address; parcels?: unknown[] };
  carrier_account?: string;
  servicelevel_token?: string;
  metadata?: string;
};

export function createTransaction(request: TransactionRequest, origin: string, newId: (prefix: string) => string): CarrierAnswer {
  const to = request.shipment?.address_to;
  const missing = ["name", "street1", "city", "zip", "country"].filter((field) => !to?.[field as keyof Address]);
  if (!request.shipment?.address_from || missing.length > 0 || !request.shipment.parcels?.length) {
    return {
      status: 400,
      outcome: "invalid",
      body: { shipment: [`address_to is missing ${missing.join(", ") || "parcels or address_from"}`] },
    };
  }
  const id = newId("tx");
  // The sandbox's undeliverable address (like Stripe's test cards): Shippo answers such a
  // purchase with a transaction in status ERROR and the carrier's message.
  if (to?.zip === UNDELIVERABLE_ZIP) {
    return {
      status: 201,
      outcome: "undeliverable",
      body: {
        object_id: id,
        object_state: "VALID",
        status: "ERROR",
        object_created: new Date().toISOString(),
        metadata: request.metadata ?? "",
        messages: [{ source: "USPS", code: "address_not_found", text: "The destination address could not be found." }],
      },
    };
  }
  const tracking = `9400${String(Math.floor(Math.random() * 1e18)).padStart(18, "0")}`;
  return {
    status: 201,
    outcome: "created",
    body: {
      object_id: id,
      object_state: "VALID",
      status: "SUCCESS",
      object_created: new Date().toISOString(),
      tracking_number: tracking,
      tracking_status: "UNKNOWN",
      tracking_url_provider: `https://tools.usps.com/go/TrackConfirmAction?tLabels=${tracking}`,
      label_url: `${origin}/carrier/labels/${id}.pdf`,
      rate: { provider: "USPS", servicelevel: { token: request.servicelevel_token ?? "usps_priority", name: "Priority Mail" } },
      metadata: request.metadata ?? "",
      messages: [],
    },
  };
}

type Label = { object_id: string; status: string; refunded?: boolean };

/** Simulates Shippo's POST /refunds: voids an unused label. */
export function createLabelRefund(
  request: { transaction?: string },
  find: (id: string) => Label | undefined,
  newId: (prefix: string) => string,
): CarrierAnswer & { label?: Label } {
  const label = request.transaction ? find(request.transaction) : undefined;
  if (!label) return { status: 400, outcome: "invalid", body: { transaction: ["Transaction not found."] } };
  if (label.refunded) return { status: 400, outcome: "invalid", body: { transaction: ["Transaction has already been refunded."] } };
  return {
    status: 201,
    outcome: "created",
    label: { ...label, refunded: true },
    body: { object_id: newId("rf"), object_created: new Date().toISOString(), status: "SUCCESS", transaction: label.object_id },
  };
}
