import type { OrderRefunded, OrderStatusChanged } from "../../src/contracts/events";
import type { OrderSnapshot } from "../../src/contracts/order";

/** Who an order's notifications go to, learnt from Sales' status snapshots. */
export type Recipient = { orderId: string; name: string; email: string; phone?: string };

export type Channel = "email" | "sms";
export type Template = "order_confirmation" | "shipping_notice" | "payment_failed" | "refund_notice";
export type NotifyingEvent = OrderStatusChanged | OrderRefunded;

export type Email = { subject: string; text: string; html: string };

/** The recipient a status snapshot names; refunds name none and wait for a snapshot. */
export function recipientOf(event: NotifyingEvent): Recipient | undefined {
  if (event.type !== "order.status_changed.v1") return undefined;
  const { id: orderId, customer } = event.data.order;
  return { orderId, name: customer.name, email: customer.email, ...(customer.phone ? { phone: customer.phone } : {}) };
}

/**
 * The templates an event calls for on a channel, in the order the customer must get them. The
 * confirmation waits for the payment (status billed): a declined order is never "confirmed",
 * and placing an order sends nobody anything before a charge succeeds. The shipping notice
 * waits for Sales to move the order to ready_to_ship rather than for the label itself: a label
 * can lose a race with a cancellation (and be voided), and then nothing has shipped. A
 * ready_to_ship snapshot names the confirmation first: a snapshot can overtake the billed one
 * (a batch handled in parallel, a retry), and "on its way" must never come before "confirmed"
 * (one already sent is not sent again). A refund after a customer's cancellation changes no
 * status, so the refund notice comes from order.refunded itself.
 */
export function templatesFor(channel: Channel, event: NotifyingEvent): Template[] {
  if (event.type === "order.refunded.v1") return channel === "email" ? ["refund_notice"] : [];
  const order = event.data.order;
  switch (order.status) {
    case "billed":
      return ["order_confirmation"];
    case "ready_to_ship":
      return order.shipment ? ["order_confirmation", "shipping_notice"] : [];
    case "billing_failed":
      return channel === "email" ? ["payment_failed"] : [];
    default:
      return [];
  }
}

/** The shipment an order went out with, from its ready_to_ship snapshot. */
function shipmentOf(order: OrderSnapshot) {
  const { id: orderId, shipment } = order;
  return { orderId, carrier: shipment!.carrier, service: shipment!.service, trackingNumber: shipment!.trackingNumber, trackingUrl: shipment!.trackingUrl };
}

/** Every customer-supplied value goes through this before it reaches HTML. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Subjects are one line, whatever a name contains. */
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, " ").trim();

function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

/** A text and an HTML body from the same paragraphs; HTML escapes every value. */
function email(subject: string, greeting: string, paragraphs: string[], shop: string): Email {
  const text = [greeting, ...paragraphs, `— ${shop}`].join("\n\n");
  const html = [
    `<!doctype html><html><body style="font-family:sans-serif">`,
    `<p>${escapeHtml(greeting)}</p>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`),
    `<p>— ${escapeHtml(shop)}</p>`,
    `</body></html>`,
  ].join("\n");
  return { subject: oneLine(subject), text, html };
}

export function renderEmail(template: Template, event: NotifyingEvent, to: Recipient, shop: string): Email {
  const hello = `Hello ${to.name},`;
  if (event.type === "order.refunded.v1") {
    const { orderId, amount, currency } = event.data;
    return email(
      `${shop}: refund for order ${orderId}`,
      hello,
      [`We refunded ${money(amount, currency)} for your order ${orderId}.`, `It reaches your account within a few days.`],
      shop,
    );
  }
  const order = event.data.order;
  const { id: orderId, currency } = order;
  if (template === "order_confirmation") {
    const { lines, shippingAddress: a } = order;
    const items = lines.map((l) => `${l.quantity} × ${l.name} (${l.sku}): ${money(l.lineTotal, currency)}`).join("\n");
    const address = [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.region, a.country].filter(Boolean).join("\n");
    return email(
      `${shop}: order ${orderId} confirmed`,
      hello,
      [`Thank you for your order ${orderId}. Your payment went through.`, items, `Total paid: ${money(order.payment?.amount ?? order.total, currency)}`, `Shipping to:\n${address}`],
      shop,
    );
  }
  if (template === "payment_failed") {
    const reason = order.closure?.detail ?? "the payment was declined";
    return email(
      `${shop}: payment for order ${orderId} failed`,
      hello,
      [`We could not charge ${money(order.total, currency)} for your order ${orderId} (${reason}).`, `Nothing was charged. Please place the order again with another payment method.`],
      shop,
    );
  }
  const { carrier, service, trackingNumber, trackingUrl } = shipmentOf(order);
  return email(
    `${shop}: order ${orderId} is on its way`,
    hello,
    [`Your order ${orderId} ships with ${carrier} ${service}.`, `Tracking number: ${trackingNumber}`, ...(trackingUrl ? [`Track it: ${trackingUrl}`] : [])],
    shop,
  );
}

/** The text of the confirmation or the shipping notice, from a status snapshot. */
export function renderSms(template: Template, event: OrderStatusChanged, shop: string): string {
  const order = event.data.order;
  if (template === "order_confirmation") {
    return `${shop}: order ${order.id} confirmed, paid ${money(order.payment?.amount ?? order.total, order.currency)}. We'll text you when it ships.`;
  }
  const { orderId, carrier, trackingNumber, trackingUrl } = shipmentOf(order);
  return `${shop}: order ${orderId} shipped with ${carrier}, tracking ${trackingNumber}${trackingUrl ? ` ${trackingUrl}` : ""}`;
}
