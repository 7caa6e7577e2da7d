// Starts the whole system for an end-to-end test: the provider sandbox in one harness
// (listening on a real port) and Sales, Billing, Warehouse, Integrations and Projections in another, configured from
// their real wrangler.toml files with the provider URLs pointed at the sandbox.
import path from "node:path";
import { sandboxedConfig } from "../scripts/sandboxed.mjs";
import { sandboxClient, type ObjectKind, type Provider } from "./fixtures/sandbox.ts";
import { WORKERS } from "../scripts/workers.mjs";
import { createTestHarness, type TestHarnessOptions } from "wrangler";
import catalog from "../scripts/demo-catalog.json" with { type: "json" };
import { producerBindingOf, subscriptionsOf, type OrderFlow } from "../src/contracts/topology.ts";

/** A worker's sandboxed config (scripts/sandboxed.mjs): its own wrangler.toml, run with the sandbox's hooks plugged in. */
const sandboxed = (name: string): string => sandboxedConfig(WORKERS.find((worker: { name: string }) => worker.name === name));

export const ROOT = path.resolve(import.meta.dirname, "..");
import { waitFor } from "./fixtures/wait.ts";
export { waitFor };
export const ADMIN_TOKEN = "e2e-admin-token";
export const LAKE_PII_KEY = "e2e-lake-pii-key";
export const ORDER_SECRET_KEY = "e2e-order-secret-key";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Where an order's placement goes first in `flow` (Billing's queue, or the one that starts its Workflow), and the binding that sends there. */
export function placementQueue(flow: OrderFlow) {
  const queue = subscriptionsOf(flow)["order.placed.v1"].find((name) => name !== "integrations")!;
  return { queue, binding: producerBindingOf(queue) as "BILLING_QUEUE" | "ORDER_FLOW_QUEUE" };
}

/**
 * Sales, Billing, Warehouse, Integrations, Dead-letters and Projections from their real
 * wrangler.toml files, with provider URLs pointing at the sandbox (`npm run bench` starts them too).
 */
type StackOptions = {
  stuckAfterSeconds?: { placed: number; billed: number };
  /** WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS of every publisher and Integrations (30 by default). */
  webhookSubscriptionsTtlSeconds?: number;
  /** Billing's STRIPE_IDEMPOTENCY_WINDOW_SECONDS (23 h by default): how old a charge may be before a retry looks it up first. */
  stripeIdempotencyWindowSeconds?: number;
  /** Sales' ORDER_FLOW: who runs each new order through its steps (choreography by default). */
  flow?: OrderFlow;
  /** order-flow's RETRY_BACKOFF_MAX_SECONDS: the longest backoff between two tries of a Workflow step (an hour by default). */
  flowBackoffMaxSeconds?: number;
};

export function appWorkers(sandboxUrl: string, options: StackOptions = {}): TestHarnessOptions["workers"] {
  const ttl: Record<string, number> = options.webhookSubscriptionsTtlSeconds === undefined ? {} : { WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS: options.webhookSubscriptionsTtlSeconds };
  return [
    {
      configPath: sandboxed("sales"),
      vars: {
        DEFAULT_PAYMENT_METHOD: "pm_card_visa",
        SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true",
        ...(options.stuckAfterSeconds ? { STUCK_AFTER_SECONDS: options.stuckAfterSeconds } : {}),
        ...(options.flow ? { ORDER_FLOW: options.flow } : {}),
        ...ttl,
      },
      secrets: { ADMIN_TOKEN, ORDER_SECRET_KEY },
    },
    {
      configPath: sandboxed("billing"),
      vars: {
        STRIPE_API_BASE: `${sandboxUrl}/stripe`, SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true", ...ttl,
        ...(options.stripeIdempotencyWindowSeconds === undefined ? {} : { STRIPE_IDEMPOTENCY_WINDOW_SECONDS: String(options.stripeIdempotencyWindowSeconds) }),
      },
      secrets: { STRIPE_SECRET_KEY: "sk_test_e2e" },
    },
    {
      configPath: sandboxed("warehouse"),
      vars: {
        CARRIER_API_BASE: `${sandboxUrl}/carrier`,
        CARRIER_ACCOUNT: "sandbox-usps",
        SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true",
        ...ttl,
      },
      secrets: { CARRIER_API_KEY: "shippo_test_e2e", ADMIN_TOKEN },
    },
    {
      configPath: sandboxed("integrations"),
      vars: {
        SES_ENDPOINT: `${sandboxUrl}/ses`,
        TWILIO_API_BASE: `${sandboxUrl}/twilio`,
        TWILIO_ACCOUNT_SID: "ACe2e",
        TWILIO_FROM: "+15005550006",
        EMAIL_FROM: "orders@shop.example",
        // The sandbox's webhook receivers listen on http://127.0.0.1:<port>.
        WEBHOOK_ALLOW_LOCAL_HTTP: "true",
        // Webhook hosts resolve through the sandbox's DNS over HTTPS, never the internet's.
        DOH_URL: `${sandboxUrl}/dns/dns-query`,
        SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true",
        ...ttl,
      },
      secrets: { SES_ACCESS_KEY_ID: "AKIDE2E", SES_SECRET_ACCESS_KEY: "e2e-secret", TWILIO_AUTH_TOKEN: "twilio-e2e", ADMIN_TOKEN },
    },
    { configPath: sandboxed("dead-letters"), secrets: { ADMIN_TOKEN } },
    {
      configPath: sandboxed("order-flow"),
      vars: {
        STRIPE_API_BASE: `${sandboxUrl}/stripe`,
        CARRIER_API_BASE: `${sandboxUrl}/carrier`,
        CARRIER_ACCOUNT: "sandbox-usps",
        SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true", ...ttl,
        ...(options.stripeIdempotencyWindowSeconds === undefined ? {} : { STRIPE_IDEMPOTENCY_WINDOW_SECONDS: String(options.stripeIdempotencyWindowSeconds) }),
        ...(options.flowBackoffMaxSeconds === undefined ? {} : { RETRY_BACKOFF_MAX_SECONDS: String(options.flowBackoffMaxSeconds) }),
      },
      secrets: { STRIPE_SECRET_KEY: "sk_test_e2e", CARRIER_API_KEY: "shippo_test_e2e" },
    },
    { configPath: sandboxed("projections"), vars: { SANDBOX_URL: sandboxUrl, SANDBOX_AUDIT: "true" }, secrets: { ADMIN_TOKEN, LAKE_PII_KEY } },
  ];
}

export async function startStack(options: StackOptions = {}) {
  const sandbox = createTestHarness({ root: ROOT, workers: [{ configPath: "workers/sandbox/wrangler.toml" }] });
  const { url } = await sandbox.listen();
  const sandboxUrl = url.origin;
  const app = createTestHarness({ root: ROOT, workers: appWorkers(sandboxUrl, options) });
  const { url: appUrl } = await app.listen();
  await app.getWorker<ProjectionsEnv>("projections").applyD1Migrations("REPORTING");

  const client = sandboxClient(sandboxUrl);
  const json = async (response: { status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }) => ({ status: response.status, headers: response.headers, body: (await response.json()) as any });
  const stack = {
    app,
    /** The Sales edge's origin, for scripts that call it over HTTP. */
    appUrl: appUrl.origin,
    sandbox,
    sandboxUrl,
    async placeOrder(body: unknown, headers: Record<string, string> = {}) {
      return json(await app.fetch("/orders", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }));
    },
    /** Cancels as the customer does: with the client secret of the placement response. */
    async cancel(placed: { id: string; clientSecret: string }) {
      return json(await app.fetch(`/orders/${placed.id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${placed.clientSecret}` } }));
    },
    async order(id: string) {
      return (await json(await app.fetch(`/orders/${id}`, { headers: admin }))).body;
    },
    async admin(method: string, pathname: string, body?: unknown) {
      return json(await app.fetch(pathname, { method, headers: admin, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    },
    async waitForStatus(id: string, status: string, timeoutMs = 30_000) {
      return waitFor(async () => {
        const order = await stack.order(id);
        return order.status === status ? order : undefined;
      }, timeoutMs, () => `order ${id} did not reach ${status}`);
    },
    /** What the sandbox provider records say happened, per provider. */
    /** What a provider received, and what the providers created (the sandbox's client, test/fixtures/sandbox.ts). */
    providerRequests: (provider: Provider) => client.requests(provider),
    providerObjects: (kind: ObjectKind) => client.objects(kind),
    setFault: async (fault: Record<string, unknown>) => void (await client.fault(fault)),
    /** Stops ("down"), restores ("ok") or unsettles ("chaos") the consumer of a queue. */
    setConsumer: async (queue: string, plan: Record<string, unknown>) => void (await client.consumer(queue, plan)),
    /** How many deliveries of one event a queue's consumer has handled (acked), from the sandbox's audit. */
    handled: client.handled,
    /** Per queue: events published, handled, parked dead, and any missing. */
    audit: client.audit,
    /** One event's audit records (queue, kind, type, count). */
    auditOf: client.auditOf,
    /** The order's workflow instance (orchestration): running, complete, errored…; undefined when it has none. */
    async flowStatus(orderId: string): Promise<string | undefined> {
      const env = await app.getWorker<OrderFlowEnv>("order-flow").getEnv();
      try {
        return (await (await env.ORDER_WORKFLOW.get(orderId)).status()).status;
      } catch {
        return undefined;
      }
    },
    /** Puts a message straight on a queue, as a redelivery or a stray producer would. */
    async sendToQueue(binding: "BILLING_QUEUE" | "PROJECTIONS_QUEUE" | "INTEGRATIONS_QUEUE" | "ORDER_FLOW_QUEUE", body: unknown) {
      const env = await app.getWorker<SalesEnv>("sales").getEnv();
      await env[binding].send(body, { contentType: "json" });
    },
    async close() {
      await Promise.allSettled([app.close(), sandbox.close()]);
    },
  };

  await seedCatalog(stack.admin);
  return stack;
}

type AdminCall = (method: string, pathname: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

/**
 * The demo catalog (scripts/demo-catalog.json) through the admin API: each product and, unless
 * `stock` is false, its stock (the catalog's own, or `stock.available` of each).
 */
export async function seedCatalog(admin: AdminCall, stock: false | { available?: number } = {}): Promise<void> {
  for (const product of catalog.products) {
    const { sku, name, price, currency } = product;
    const put = await admin("PUT", `/admin/products/${sku}`, { name, price, currency });
    if (put.status >= 300) throw new Error(`seeding ${sku} failed: ${put.status} ${JSON.stringify(put.body)}`);
    if (stock) await admin("PUT", `/admin/stock/${sku}`, { available: stock.available ?? product.stock, weightGrams: product.weightGrams });
  }
}

