import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
  orderBilled,
  orderBillingFailed,
  orderCancelled,
  orderRefunded,
  shippingLabelCreated,
  type AnyEvent,
} from "../../src/contracts/events";
import { typesFor } from "../../src/contracts/topology";
import { newOrderId } from "../../src/platform/ids";
import { announce, cancelOrder, openOrder, recordEvent, type OrderFactEvent } from "../sales/order-lifecycle";
import worker from "./index";

export const e = env as ProjectionsEnv;

export type Story = {
  orderId: string;
  customer: { name: string; email: string; phone: string };
  address: { line1: string; line2: string; city: string; postalCode: string; country: string };
  events: AnyEvent[];
};

type StoryOptions = {
  placedAt: Date;
  customerId?: string;
  lines?: { sku: string; quantity: number; unitPrice: number }[];
  currency?: string;
  /** Milliseconds from placement to billing, and from billing to the label; null: not (yet) reached. */
  billedAfterMs?: number | null;
  readyAfterMs?: number | null;
  /** The card is declined instead. */
  declined?: boolean;
  /** The customer cancels after billing, this long after it, and the charge is refunded. */
  cancelledAfterMs?: number;
  /** Distinct PII per story, to look for it in the lake. */
  tag?: string;
};

/** What the projections queue carries of an order's events (src/contracts/topology.ts). */
const projected = (event: AnyEvent) => typesFor("projections").includes(event.type);

const later = (time: Date, ms: number) => new Date(time.getTime() + ms);

/**
 * One order's events as its producers publish them: each fact and, after it, Sales'
 * status-changed snapshot with the next version.
 */
export function orderStory(options: StoryOptions): Story {
  // Placed at its id's time, as Sales places every order.
  const orderId = newOrderId(options.placedAt.getTime());
  const tag = options.tag ?? orderId.slice(-8).toLowerCase();
  const customer = { name: `Ada ${tag}`, email: `ada.${tag}@example.com`, phone: `+1415555${String([...tag].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) % 10_000, 7)).padStart(4, "0")}` };
  const address = { line1: `${tag} Main St`, line2: `Flat ${tag}`, city: "Springfield", postalCode: "12345", country: "US" };
  const currency = options.currency ?? "USD";
  const lines = (options.lines ?? [{ sku: "MUG-001", quantity: 2, unitPrice: 1500 }]).map((line) => ({
    ...line,
    name: `Product ${line.sku}`,
    lineTotal: line.quantity * line.unitPrice,
  }));
  const total = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  const placedAt = options.placedAt;
  // Sales' own lifecycle turns the facts into its status snapshots, as the Order object does.
  const opened = openOrder({ orderId, customerId: options.customerId ?? `cus_${tag}`, customer, shippingAddress: address, lines, currency, subtotal: total, total, paymentMethod: "pm_card_visa" });
  let state = opened.state;
  const [placed] = opened.publish;
  const events: AnyEvent[] = [...opened.publish];
  const advance = (fact: OrderFactEvent) => {
    const next = recordEvent(state, fact, new Date(fact.time));
    state = next.state;
    events.push(fact, ...announce(state.order, next.transitions, fact, new Date(fact.time)));
  };

  if (options.declined) {
    const failedAt = later(placedAt, options.billedAfterMs ?? 1000);
    const failed = orderBillingFailed.create(
      { orderId, invoiceId: "inv_test", amount: total, currency, reason: { code: "card_declined", message: "Your card was declined." }, failedAt: failedAt.toISOString() },
      { subject: orderId, causedBy: placed, time: failedAt },
    );
    advance(failed);
    return { orderId, customer, address, events: events.filter(projected) };
  }
  if (options.billedAfterMs === null) return { orderId, customer, address, events: events.filter(projected) };
  const billedAt = later(placedAt, options.billedAfterMs ?? 2000);
  const payment = { invoiceId: "inv_test", paymentId: "pi_test", amount: total, currency, billedAt: billedAt.toISOString() };
  const billed = orderBilled.create(
    { orderId, ...payment, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })), shipTo: { name: customer.name, phone: customer.phone, address } },
    { subject: orderId, causedBy: placed, time: billedAt },
  );
  advance(billed);
  if (options.cancelledAfterMs !== undefined) {
    const cancelledAt = later(billedAt, options.cancelledAfterMs);
    const cancelled = orderCancelled.create({ orderId, reason: "customer_request", cancelledAt: cancelledAt.toISOString() }, { subject: orderId, time: cancelledAt });
    const withdrawn = cancelOrder(state, cancelled, cancelledAt)!;
    state = withdrawn.state;
    events.push(cancelled, ...announce(state.order, [withdrawn.transition], cancelled, cancelledAt));
    const refundedAt = later(cancelledAt, 1000);
    const refund = { ...payment, refundId: "re_test", reason: "customer_cancelled" as const, refundedAt: refundedAt.toISOString() };
    const { billedAt: _billedAt, ...refundData } = refund;
    events.push(orderRefunded.create({ orderId, ...refundData }, { subject: orderId, causedBy: cancelled, time: refundedAt }));
    return { orderId, customer, address, events: events.filter(projected) };
  }
  if (options.readyAfterMs === null) return { orderId, customer, address, events: events.filter(projected) };
  const readyAt = later(billedAt, options.readyAfterMs ?? 3000);
  const shipment = { shipmentId: "shp_test", carrier: "USPS", service: "Priority Mail", trackingNumber: "9400000000000000000001", labelUrl: "https://labels.example.com/1.pdf" };
  const label = shippingLabelCreated.create({ orderId, ...shipment, createdAt: readyAt.toISOString() }, { subject: orderId, causedBy: billed, time: readyAt });
  advance(label);
  return { orderId, customer, address, events: events.filter(projected) };
}

/** Delivers bodies to the projections worker as one queue batch, the way Cloudflare would. */
export async function deliver(bodies: unknown[], attempts = 1, overrides: Partial<ProjectionsEnv> = {}) {
  const batch = createMessageBatch<unknown>(
    "projections",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body: JSON.parse(JSON.stringify(body)) })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, { ...e, ...overrides }, ctx);
  return getQueueResult(batch, ctx);
}

/** Calls the projections admin API. */
export async function admin(path: string, init: RequestInit = {}, token = "test-admin-token") {
  const request = new Request(`https://projections${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { "content-type": "application/json" } : {}), ...(init.headers as Record<string, string>) },
  });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, e, createExecutionContext());
  const json: any = /json/.test(response.headers.get("content-type") ?? "") ? await response.json() : undefined;
  return { status: response.status, json, headers: response.headers };
}

/** Every lake object under a prefix, decompressed, with its key. */
export async function lakeObjects(prefix = "events/"): Promise<{ key: string; text: string }[]> {
  const found: { key: string; text: string }[] = [];
  let cursor: string | undefined;
  do {
    const listed = await e.LAKE.list({ prefix, ...(cursor ? { cursor } : {}) });
    for (const object of listed.objects) {
      const body = (await e.LAKE.get(object.key))!.body.pipeThrough(new DecompressionStream("gzip"));
      found.push({ key: object.key, text: await new Response(body).text() });
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return found;
}
