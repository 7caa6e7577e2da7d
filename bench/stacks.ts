// The systems the bench runs, each in wrangler's test harness (workerd, real queues, the real
// wrangler.toml files). Requests go straight to the runtime's own socket: the harness's proxy
// (a second workerd in front, as in `wrangler dev`) would add a hop that production does not have.
import { execFile } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { createTestHarness, unstable_readConfig, type TestHarnessOptions } from "wrangler";
import { unthrottledConfig } from "../scripts/sandboxed.mjs";
import { WORKERS } from "../scripts/workers.mjs";
import type { OrderFlow } from "../src/contracts/topology.ts";
import { ADMIN_TOKEN, appWorkers, ORDER_SECRET_KEY, ROOT, seedCatalog } from "../test/stack.ts";
import type { MeterCollector } from "./meter-collector.ts";
import { listeningPorts, workerdProcesses } from "./processes.ts";

type WorkerInput = TestHarnessOptions["workers"][number];
export type Runtime = Awaited<ReturnType<typeof startRuntime>>;

/** Hosts that route a request to a bench worker (their `routes` in bench/workers). */
export const BARE = "bare.bench";
export const MINIMAL = "minimal.bench";
export const MINIMAL_LIMITED = "minimal-limited.bench";
export const RELAY = "relay.bench";
export const SYNC = "sync.bench";

export const ORDER = {
  customer: { name: "Ada Lovelace", email: "ada@example.com", phone: "+14155550100" },
  items: [{ sku: "STICKER-001", quantity: 1 }],
  shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One HTTP call with keep-alive and an optional Host (fetch would not let the bench set it). */
export function call(
  base: string,
  method: string,
  path: string,
  options: { host?: string; body?: unknown; admin?: boolean; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...options.headers,
          ...(options.host ? { host: options.host } : {}),
          ...(payload ? { "content-type": "application/json" } : {}),
          ...(options.admin ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

/** Starts one harness and finds the workerd runtime behind its proxy: its pid and its own URL. */
async function startRuntime(workers: WorkerInput[]) {
  const before = workerdProcesses();
  const harness = createTestHarness({ root: ROOT, workers });
  const { url } = await harness.listen();
  const started = [...workerdProcesses()].filter((pid) => !before.has(pid));
  const runtime = started
    .map((pid) => ({ pid, ports: listeningPorts(pid) }))
    .find(({ ports }) => ports.length > 0 && !ports.includes(Number(url.port)));
  if (!runtime) throw new Error(`no workerd runtime found behind ${url.origin}`);
  return {
    harness,
    pid: runtime.pid,
    url: `http://127.0.0.1:${runtime.ports[0]}`,
    close: () => harness.close(),
  };
}

export const startSandbox = () => startRuntime([{ configPath: "workers/sandbox/wrangler.toml" }]);

/** A worker's own config with its rate limits raised: the bench's load comes from one address for one customer. */
const unthrottled = (name: string): string => unthrottledConfig(WORKERS.find((worker: { name: string }) => worker.name === name));

const workerName = (input: WorkerInput) => ("configPath" in input ? String(input.configPath).split("/").at(-2) ?? "sales" : "inline");

function withVars(input: WorkerInput, vars: Record<string, string>): WorkerInput {
  return "configPath" in input ? { ...input, vars: { ...input.vars, ...vars } } : input;
}

/** The synchronous chain (bench/workers/sync-chain), with Stripe and the carrier at the sandbox. */
function syncChain(sandboxUrl: string, hooks: boolean): WorkerInput[] {
  const sandbox = hooks ? sandboxUrl : "";
  // Parcels ship from where choreo's Warehouse ships them.
  const { SHIP_FROM } = unstable_readConfig({ config: path.join(ROOT, "workers/warehouse/wrangler.toml") }).vars;
  if (!SHIP_FROM) throw new Error("workers/warehouse/wrangler.toml sets no SHIP_FROM");
  return [
    { configPath: "bench/workers/sync-chain/sales.toml" },
    { configPath: "bench/workers/sync-chain/billing.toml", vars: { STRIPE_API_BASE: `${sandboxUrl}/stripe`, STRIPE_SECRET_KEY: "sk_test_bench", SANDBOX_URL: sandbox } },
    {
      configPath: "bench/workers/sync-chain/warehouse.toml",
      vars: { CARRIER_API_BASE: `${sandboxUrl}/carrier`, CARRIER_API_KEY: "shippo_test_bench", SANDBOX_URL: sandbox, SHIP_FROM },
    },
  ];
}

/** The demo catalog, and with `stock` more of each product than any run orders. */
function seed(runtime: Runtime, stock: boolean): Promise<void> {
  return seedCatalog((method, pathname, body) => call(runtime.url, method, pathname, { admin: true, body }), stock ? { available: 10_000_000 } : false);
}

/**
 * The webhook subscriptions as Integrations' registry writes them on its first wake-up when no
 * endpoint is subscribed: a deployed system's steady state. Without it every publisher treats
 * every type as subscribed (the safe default) until the registry first runs.
 */
async function noWebhookEndpoints(runtime: Runtime): Promise<void> {
  const env = await runtime.harness.getWorker<SalesEnv>("sales").getEnv();
  // The key and shape of src/platform/webhook-subscriptions.ts (not imported: the bench runs in plain Node).
  await env.WEBHOOK_SUBSCRIPTIONS.put("webhook-subscriptions", JSON.stringify({ all: false, types: [], updatedAt: new Date().toISOString() }));
}

/**
 * The accept path: Sales alone (nothing consumes its queues, so the bench measures what a
 * request costs, not the pipeline running behind it), the bare route, the minimal durable
 * accept and the sync chain.
 */
export async function startAcceptStack(sandbox: Runtime, flow: OrderFlow = "choreography") {
  const elsewhere = "bench-bare"; // Sales forwards admin APIs to these; none is called here
  const salesConfig = unthrottled("sales");
  // Sales itself, with the option of counting rate limits in the isolate as Cloudflare does (bench/edge-limits).
  const sales = await benchBuild(
    {
      configPath: salesConfig,
      vars: { DEFAULT_PAYMENT_METHOD: "pm_card_visa", ORDER_FLOW: flow, BENCH_RATE_LIMITS: rateLimitsOf(salesConfig) },
      secrets: { ADMIN_TOKEN, ORDER_SECRET_KEY },
      bindingOverrides: { WAREHOUSE: elsewhere, INTEGRATIONS: elsewhere, DEAD_LETTER_ARCHIVE: elsewhere, PROJECTIONS: elsewhere },
    },
    "bench/edge-limits/sales/index.ts", // named index: the harness looks for the build of the config's main
    "accept/sales",
  );
  const runtime = await startRuntime([
    sales,
    { configPath: "bench/workers/bare/wrangler.toml" },
    { configPath: "bench/workers/minimal/wrangler.toml" },
    ...syncChain(sandbox.url, false),
  ]);
  await seed(runtime, false);
  await noWebhookEndpoints(runtime);
  return runtime;
}

export type QueueSetting = { queue: string; max_batch_size: number; max_batch_timeout: number; max_concurrency?: number };

/**
 * Batch settings of every consumer the pipeline run starts (Cloudflare's defaults where a
 * wrangler.toml says nothing), dead-letter consumers left out (idle in a healthy run); the
 * relay's three hops take those of billing, warehouse and sales, the three hops to ready_to_ship.
 */
export function batchSettings(): { choreo: QueueSetting[]; relay: QueueSetting[] } {
  const choreo = appWorkers("")
    .flatMap((input) => ("configPath" in input ? (unstable_readConfig({ config: path.join(ROOT, String(input.configPath)) }).queues.consumers ?? []) : []))
    .filter((consumer) => !consumer.queue.endsWith("-dlq"))
    .map(
      (consumer): QueueSetting => ({
        queue: consumer.queue,
        max_batch_size: consumer.max_batch_size ?? 10,
        max_batch_timeout: consumer.max_batch_timeout ?? 5,
        ...(consumer.max_concurrency ? { max_concurrency: consumer.max_concurrency } : {}),
      }),
    );
  const hop = (queue: string, i: number): QueueSetting => {
    const setting = choreo.find((s) => s.queue === queue);
    if (!setting) throw new Error(`no consumer of the ${queue} queue in the app's wrangler.toml files`);
    return { ...setting, queue: `bench-relay-${i + 1}` };
  };
  return { choreo, relay: ["billing", "warehouse", "sales"].map(hop) };
}

/** The worker name the relay's meter reports under: its counts are not choreo's. */
export const RELAY_METER = "relay";

/**
 * The durable relay (bench/workers/relay), configured here so that its hops batch as choreo's do,
 * and metered as choreo's workers are (bench/metered/relay), so both pay the same instrumentation.
 */
function relayWorker(sandboxUrl: string, meterUrl: string): WorkerInput {
  const hops = batchSettings().relay;
  return {
    config: {
      name: "bench-relay",
      main: path.join(ROOT, "bench/metered/relay/index.ts"),
      compatibility_date: "2026-08-01",
      routes: [`${RELAY}/*`],
      // Not SANDBOX_URL: an inline worker takes the root .dev.vars (which `npm run dev` writes) over its own vars.
      vars: { PROVIDER_URL: sandboxUrl, METER_URL: meterUrl },
      queues: { producers: hops.map(({ queue }, i) => ({ binding: `HOP_${i + 1}`, queue })), consumers: hops },
      durable_objects: {
        bindings: [
          { name: "STEPS", class_name: "OneRow" },
          // Empty objects: the bench creates fresh ones to measure what creating an object costs this runtime.
          { name: "EMPTY", class_name: "Empty" },
        ],
      },
      migrations: [{ tag: "v1", new_sqlite_classes: ["OneRow", "Empty"] }],
    },
  };
}

/**
 * Each worker built from its bench entry module (bench/metered/<worker>/index.ts: the worker's
 * handler and Durable Object classes wrapped by bench/metered/meter.ts), with its own
 * wrangler.toml for everything else; the harness runs the build in place of the worker's own
 * `main`. Production code carries no metering this way.
 */
async function meteredBuilds(inputs: WorkerInput[]): Promise<WorkerInput[]> {
  return Promise.all(
    inputs.map((input) => {
      if (!("configPath" in input)) return Promise.resolve(input);
      // The worker's own wrangler.toml (rate limits raised), not the sandboxed one the test stacks
      // use: the bench runs production code (its build is named after the config's `main`, index.js).
      const name = workerName(input);
      const configPath = unthrottled(name);
      // Sales counts the rate limits of requests marked for it in the isolate, as Cloudflare does (bench/edge-limits).
      const limits = name === "sales" ? { vars: { ...input.vars, BENCH_RATE_LIMITS: rateLimitsOf(configPath) } } : {};
      return benchBuild({ ...input, ...limits, configPath }, `bench/metered/${name}/index.ts`, `metered/${name}`);
    }),
  );
}

/** The worker built from a bench entry module (which wraps the worker's own), with its wrangler.toml for everything else. */
async function benchBuild(input: WorkerInput & { configPath: string }, entry: string, outName: string): Promise<WorkerInput> {
  const wrangler = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const outdir = path.join(ROOT, ".wrangler/bench-builds", outName);
  const args = [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--config", input.configPath, entry];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 24 });
  return { ...input, prebuiltWorkerDir: outdir };
}

/** Each rate-limit binding's `{ limit, period }` in a wrangler.toml, for the bench's in-isolate limiter (bench/edge-limits). */
function rateLimitsOf(configPath: string): string {
  const limits = unstable_readConfig({ config: path.resolve(ROOT, configPath) }).ratelimits ?? [];
  return JSON.stringify(Object.fromEntries(limits.map((limit: { name: string; simple: { limit: number; period: number } }) => [limit.name, { limit: limit.simple.limit, period: limit.simple.period }])));
}

/** Every worker as in production (no sandbox hooks), metered, and the durable relay beside them. */
export async function startPipelineStack(sandbox: Runtime, meter: MeterCollector, flow: OrderFlow = "choreography") {
  const workers = (await meteredBuilds(appWorkers(sandbox.url, { flow }))).map((input) => withVars(input, { SANDBOX_URL: "", METER_URL: meter.urlFor(workerName(input)) }));
  const runtime = await startRuntime([...workers, relayWorker(sandbox.url, meter.urlFor(RELAY_METER))]);
  await runtime.harness.getWorker<ProjectionsEnv>("projections").applyD1Migrations("REPORTING");
  await seed(runtime, true);
  await noWebhookEndpoints(runtime);
  return runtime;
}

/** Every worker with the sandbox's switches (to stop Billing), and the sync chain beside them. */
export async function startOutageStack(sandbox: Runtime, flow: OrderFlow = "choreography") {
  const runtime = await startRuntime([...appWorkers(sandbox.url, { flow }), ...syncChain(sandbox.url, true)]);
  await runtime.harness.getWorker<ProjectionsEnv>("projections").applyD1Migrations("REPORTING");
  await seed(runtime, true);
  return runtime;
}
