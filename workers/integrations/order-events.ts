import type { AnyEvent, EventType } from "../../src/contracts/events";
import { typesFor, type QueueName } from "../../src/contracts/topology";
import type { EventHandlers } from "../../src/platform/consumer";
import type { Outcome } from "../../src/platform/outcome";
import type { Notifications } from "./notifications";
import type { Channel, NotifyingEvent } from "./templates";
import { deliverWebhook, type UrlPolicyVars } from "./webhook-delivery";
import type { WebhookRegistry } from "./webhook-registry";

export type IntegrationStores = {
  notifications: DurableObjectNamespace<Notifications>;
  webhooks: DurableObjectNamespace<WebhookRegistry>;
  policy: UrlPolicyVars;
};

export const notificationsOf = (notifications: DurableObjectNamespace<Notifications>, orderId: string) =>
  notifications.get(notifications.idFromName(orderId));

export const registryOf = (webhooks: DurableObjectNamespace<WebhookRegistry>) => webhooks.get(webhooks.idFromName("registry"));

type Handler = (event: AnyEvent) => Promise<Outcome>;

function handleEvery(types: EventType[], handler: Handler): EventHandlers {
  return Object.fromEntries(types.map((type) => [type, handler])) as EventHandlers;
}

/**
 * The handlers of each queue this worker consumes. email and sms send the order's
 * notifications; on webhooks an event fans out to one delivery message per subscribed
 * endpoint, and those messages (marked with `deliveryid`) are each one attempt.
 */
export function handlersFor(queue: QueueName, stores: IntegrationStores): EventHandlers {
  const notify = (channel: Channel): Handler => (event) => notificationsOf(stores.notifications, event.subject).notify(channel, event as NotifyingEvent);
  switch (queue) {
    case "email":
    case "sms":
      return handleEvery(typesFor(queue), notify(queue));
    case "webhooks":
      return handleEvery(typesFor(queue), (event) => {
        const registry = registryOf(stores.webhooks);
        const deliveryId = (event as { deliveryid?: unknown }).deliveryid;
        return typeof deliveryId === "string" ? deliverWebhook(registry, deliveryId, stores.policy) : registry.fanOut(event);
      });
    default:
      return {};
  }
}
