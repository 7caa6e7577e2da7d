import type { AnyEvent } from "../../src/contracts/events";
import { callsForNotice, typesFor, webhooksWant } from "../../src/contracts/topology";
import type { Delivery, EventHandlers } from "../../src/platform/consumer";
import { allOf, type Outcome } from "../../src/platform/outcome";
import type { SubscribedTypes } from "../../src/platform/webhook-subscriptions";
import type { Notifications } from "./notifications";
import type { NotifyingEvent } from "./templates";
import { deliverWebhook, type UrlPolicyVars } from "./webhook-delivery";
import type { WebhookRegistry } from "./webhook-registry";

export type IntegrationStores = {
  notifications: DurableObjectNamespace<Notifications>;
  webhooks: DurableObjectNamespace<WebhookRegistry>;
  policy: UrlPolicyVars;
  /** The event types webhook endpoints take, as publishers see them (undefined: all). */
  webhookTypes: () => Promise<SubscribedTypes>;
};

export const notificationsOf = (notifications: DurableObjectNamespace<Notifications>, orderId: string) =>
  notifications.get(notifications.idFromName(orderId));

export const registryOf = (webhooks: DurableObjectNamespace<WebhookRegistry>) => webhooks.get(webhooks.idFromName("registry"));

/**
 * One handler for every type on the integrations queue. A webhook delivery message (marked
 * with `deliveryid`) is one attempt; any other event fans out to the subscribed endpoints (if
 * any take its type) and sends the email and SMS it calls for, each channel recording its own
 * result, so a retry for one channel repeats nothing the others have done.
 */
export function handlersFor(stores: IntegrationStores): EventHandlers {
  const handle = async (event: AnyEvent, delivery: Delivery): Promise<Outcome> => {
    const registry = registryOf(stores.webhooks);
    const deliveryId = (event as { deliveryid?: unknown }).deliveryid;
    if (typeof deliveryId === "string") return deliverWebhook(registry, deliveryId, stores.policy);
    // A notice's event reaches this queue whether or not an endpoint takes its type: ask the
    // registry only when one may, so an order without webhooks costs the registry nothing.
    const steps: Promise<Outcome>[] = webhooksWant(event.type, await stores.webhookTypes()) ? [registry.fanOut(event)] : [];
    if (callsForNotice(event)) {
      steps.push(notificationsOf(stores.notifications, event.subject).notify(event as NotifyingEvent, { attempts: delivery.attempts }));
    }
    return allOf(await Promise.all(steps));
  };
  return Object.fromEntries(typesFor("integrations").map((type) => [type, handle])) as EventHandlers;
}
