import { consumeBatch } from "../../src/platform/consumer";
import { webhookSubscriptionsOf } from "../../src/platform/webhook-subscriptions";
import { createIntegrationsApi } from "./admin-api";
import { handlersFor, type IntegrationStores } from "./order-events";

export { Notifications } from "./notifications";
export { WebhookRegistry } from "./webhook-registry";

const api = createIntegrationsApi();

const stores = (env: IntegrationsEnv): IntegrationStores => ({
  notifications: env.NOTIFICATIONS,
  webhooks: env.WEBHOOKS,
  policy: env,
  webhookTypes: webhookSubscriptionsOf(env),
});

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  async queue(batch, env, _ctx) {
    await consumeBatch(batch, { handlers: handlersFor(stores(env)), deadLetters: env.DEAD_LETTERS });
  },
} satisfies ExportedHandler<IntegrationsEnv>;
