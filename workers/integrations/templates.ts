import type { OrderBillingFailed, OrderPlaced, OrderRefunded, OrderStatusChanged } from "../../src/contracts/events";

/** Who an order's notifications go to, learnt from its order.placed. */
export type Recipient = { orderId: string; name: string; email: string; phone?: string };

export type Channel = "email" | "sms";
export type Template = "order_confirmation" | "shipping_notice" | "payment_failed" | "refund_notice";
export type NotifyingEvent = OrderPlaced | OrderStatusChanged | OrderBillingFailed | OrderRefunded;

export type Email = { subject: string; text: string; html: string };

/**
 * Which template an event calls for on a channel, if any. The shipping notice waits for
 * Sales to move the order to ready_to_ship rather than for the label itself: a label can
 * lose a race with a cancellation (and be voided), and then nothing has shipped.
 */
export function templateFor(channel: Channel, event: NotifyingEvent): Template | undefined {
  switch (event.type) {
    case "order.placed.v1":
      return "order_confirmation";
    case "order.status_changed.v1":
      return event.data.order.status === "ready_to_ship" && event.data.order.shipment ? "shipping_notice" : undefined;
    case "order.billing_failed.v1":
      return channel === "email" ? "payment_failed" : undefined;
    case "order.refunded.v1":
      return channel === "email" ? "refund_notice" : undefined;
  }
}

/** The shipment an order went out with, from its ready_to_ship snapshot. */
function shipmentOf(event: OrderStatusChanged) {
  const { id: orderId, shipment } = event.data.order;
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

export function renderEmail(event: NotifyingEvent, to: Recipient, shop: string): Email {
  const hello = `Hello ${to.name},`;
  switch (event.type) {
    case "order.placed.v1": {
      const { orderId, lines, total, currency, shippingAddress: a } = event.data;
      const items = lines.map((l) => `${l.quantity} × ${l.name} (${l.sku}): ${money(l.lineTotal, currency)}`).join("\n");
      const address = [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.region, a.country].filter(Boolean).join("\n");
      return email(
        `${shop}: order ${orderId} confirmed`,
        hello,
        [`Thank you for your order ${orderId}.`, items, `Total: ${money(total, currency)}`, `Shipping to:\n${address}`],
        shop,
      );
    }
    case "order.status_changed.v1": {
      const { orderId, carrier, service, trackingNumber, trackingUrl } = shipmentOf(event);
      return email(
        `${shop}: order ${orderId} is on its way`,
        hello,
        [
          `Your order ${orderId} ships with ${carrier} ${service}.`,
          `Tracking number: ${trackingNumber}`,
          ...(trackingUrl ? [`Track it: ${trackingUrl}`] : []),
        ],
        shop,
      );
    }
    case "order.billing_failed.v1": {
      const { orderId, amount, currency, reason } = event.data;
      return email(
        `${shop}: payment for order ${orderId} failed`,
        hello,
        [`We could not charge ${money(amount, currency)} for your order ${orderId}: ${reason.message}`, `Nothing was charged. Please place the order again with another payment method.`],
        shop,
      );
    }
    case "order.refunded.v1": {
      const { orderId, amount, currency } = event.data;
      return email(
        `${shop}: refund for order ${orderId}`,
        hello,
        [`We refunded ${money(amount, currency)} for your order ${orderId}.`, `It reaches your account within a few days.`],
        shop,
      );
    }
  }
}

export function renderSms(event: OrderPlaced | OrderStatusChanged, shop: string): string {
  if (event.type === "order.placed.v1") {
    const { orderId, total, currency } = event.data;
    return `${shop}: order ${orderId} confirmed, total ${money(total, currency)}. We'll text you when it ships.`;
  }
  const { orderId, carrier, trackingNumber, trackingUrl } = shipmentOf(event);
  return `${shop}: order ${orderId} shipped with ${carrier}, tracking ${trackingNumber}${trackingUrl ? ` ${trackingUrl}` : ""}`;
}
