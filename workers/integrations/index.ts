import { deadLetterBindingOf, type QueueName } from "../../src/contracts/topology";
import { consumeBatch } from "../../src/platform/consumer";
import { metered } from "../../src/platform/meter";
import { sandboxHooks } from "../../src/platform/sandbox-hooks";
import { createIntegrationsApi } from "./admin-api";
import { handlersFor, type IntegrationStores } from "./order-events";

export { Notifications } from "./notifications";
export { WebhookRegistry } from "./webhook-registry";

const api = createIntegrationsApi();

const stores = (env: IntegrationsEnv): IntegrationStores => ({ notifications: env.NOTIFICATIONS, webhooks: env.WEBHOOKS, policy: env });

export default metered({
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  // email, sms and webhooks each arrive as their own batches; each parks its poison in its own DLQ.
  async queue(batch, env, _ctx) {
    const queue = batch.queue as QueueName;
    const binding = deadLetterBindingOf(queue);
    const deadLetters = (env as unknown as Record<string, Queue | undefined>)[binding];
    if (!deadLetters) throw new Error(`integrations does not consume queue ${batch.queue} (it has no ${binding} binding)`);
    await consumeBatch(batch, { handlers: handlersFor(queue, stores(env)), deadLetters, sandbox: sandboxHooks(env.SANDBOX_URL) });
  },
} satisfies ExportedHandler<IntegrationsEnv>);
