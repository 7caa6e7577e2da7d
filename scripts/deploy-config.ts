// What `npm run deploy` (scripts/deploy.mjs) checks and rewrites before it creates or uploads
// anything: the configuration that cannot work is refused with every problem listed, and each
// worker's config is renamed for the app being deployed, so that two apps (or two copies of
// this one) in one Cloudflare account never share a worker, queue, database, bucket or namespace.
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";

const ROOT = path.resolve(import.meta.dirname, "..");

/** The parts of a wrangler config this file reads or renames. */
export type WranglerConfig = {
  name: string;
  vars?: Record<string, unknown>;
  secrets?: { required?: string[] };
  services?: { binding: string; service: string }[];
  durable_objects?: { bindings?: { name: string; class_name: string; script_name?: string }[] };
  queues?: { producers?: { binding: string; queue: string }[]; consumers?: { queue: string; dead_letter_queue?: string }[] };
  d1_databases?: { binding: string; database_name: string; database_id: string }[];
  r2_buckets?: { binding: string; bucket_name: string }[];
  kv_namespaces?: { binding: string; id: string }[];
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
  workflows?: { name: string; binding: string; class_name: string; script_name?: string }[];
  [key: string]: unknown;
};

/** A worker of scripts/workers.mjs (`name` is its role: sales, billing, …) with its config. */
export type AppWorker = { name: string; config: WranglerConfig };

/** The app the wrangler.toml files describe; `npm run deploy` deploys it unless told another name. */
export const DEFAULT_APP = "choreo";

/**
 * Storage is named `choreo-<role>` in the wrangler.toml files (local ids `local-choreo-<role>`),
 * workers and queues by their role alone; deployed, every one is `<app>-<role>`.
 */
const LOCAL_PREFIX = `${DEFAULT_APP}-`;
const PLACEHOLDER_PREFIX = `local-${DEFAULT_APP}-`;
export const deployedName = (app: string, name: string) => `${app}-${name.startsWith(LOCAL_PREFIX) ? name.slice(LOCAL_PREFIX.length) : name}`;

/** The name of the D1 database or KV namespace a local placeholder id stands for. */
export const isPlaceholder = (id: string) => id.startsWith(PLACEHOLDER_PREFIX);
const placeholderName = (app: string, id: string) => `${app}-${id.slice(PLACEHOLDER_PREFIX.length)}`;

/** Reads the raw config of each worker ({ name, config } of scripts/workers.mjs), as written. */
export function readWorkers(workers: { name: string; config: string }[]): AppWorker[] {
  return workers.map((worker) => ({ name: worker.name, config: experimental_readRawConfig({ config: path.join(ROOT, worker.config) }).rawConfig as WranglerConfig }));
}

/** Each worker's config as deployed for `app`: its name and every name it refers to prefixed. */
export function forApp(workers: AppWorker[], app: string): AppWorker[] {
  const as = (name: string) => deployedName(app, name);
  return workers.map(({ name, config }) => {
    const c = structuredClone(config);
    c.name = as(c.name);
    for (const service of c.services ?? []) service.service = as(service.service);
    for (const binding of c.durable_objects?.bindings ?? []) if (binding.script_name) binding.script_name = as(binding.script_name);
    for (const producer of c.queues?.producers ?? []) producer.queue = as(producer.queue);
    for (const consumer of c.queues?.consumers ?? []) {
      consumer.queue = as(consumer.queue);
      if (consumer.dead_letter_queue) consumer.dead_letter_queue = as(consumer.dead_letter_queue);
    }
    for (const database of c.d1_databases ?? []) database.database_name = as(database.database_name);
    for (const bucket of c.r2_buckets ?? []) bucket.bucket_name = as(bucket.bucket_name);
    // A Workflow's name is the account's, like a queue's.
    for (const workflow of c.workflows ?? []) {
      workflow.name = as(workflow.name);
      if (workflow.script_name) workflow.script_name = as(workflow.script_name);
    }
    return { name, config: c };
  });
}

/** What must exist before the workers of `forApp` deploy, by name; D1 and KV with the placeholder id their configs carry. */
export function resourcesOf(workers: AppWorker[], app: string) {
  const unique = <T>(items: T[]) => [...new Set(items)].sort();
  const configs = workers.map((worker) => worker.config);
  return {
    queues: unique(
      configs.flatMap((c) => [
        ...(c.queues?.producers ?? []).map((p) => p.queue),
        ...(c.queues?.consumers ?? []).flatMap((consumer) => [consumer.queue, ...(consumer.dead_letter_queue ? [consumer.dead_letter_queue] : [])]),
      ]),
    ),
    d1: [...new Map(configs.flatMap((c) => c.d1_databases ?? []).map((db) => [db.database_name, { name: db.database_name, placeholder: db.database_id }])).values()],
    kv: [
      ...new Map(
        configs
          .flatMap((c) => c.kv_namespaces ?? [])
          .filter((kv) => isPlaceholder(kv.id))
          .map((kv) => [kv.id, { title: placeholderName(app, kv.id), placeholder: kv.id }]),
      ).values(),
    ],
    r2: unique(configs.flatMap((c) => (c.r2_buckets ?? []).map((bucket) => bucket.bucket_name))),
  };
}

/** The configs with each placeholder id replaced by the real one (`ids`: placeholder → id). */
export function withIds(workers: AppWorker[], ids: Record<string, string>): AppWorker[] {
  return workers.map(({ name, config }) => {
    const c = structuredClone(config);
    for (const database of c.d1_databases ?? []) database.database_id = ids[database.database_id] ?? database.database_id;
    for (const kv of c.kv_namespaces ?? []) kv.id = ids[kv.id] ?? kv.id;
    return { name, config: c };
  });
}

// Names Cloudflare takes for workers, queues and buckets alike: lower-case letters, digits and
// inner hyphens, at most 63 characters.
const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_DOMAIN = /(^|\.)(example\.(com|org|net)|example|test|invalid|localhost)$/i;
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/i;

const text = (value: unknown) => (typeof value === "string" ? value.trim() : value === undefined ? "" : String(value));

/** A provider's base URL: https, and not this machine (a sandbox URL left in the config). */
function providerUrlProblem(variable: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${variable} "${value}" is not a URL`;
  }
  if (url.protocol !== "https:") return `${variable} ${value} is not https`;
  if (LOCAL_HOST.test(url.hostname)) return `${variable} ${value} points at this machine (the local sandbox?)`;
  return undefined;
}

const found = (...problems: (string | undefined)[]) => problems.filter((problem): problem is string => problem !== undefined);

/** The address of a From such as `Shop <orders@shop.com>`. */
const addressOf = (from: string) => /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;

/** Per worker role: what its vars must hold for its providers to accept a single request. */
const stripeChecks = (vars: Record<string, unknown>) => found(providerUrlProblem("STRIPE_API_BASE", text(vars["STRIPE_API_BASE"])));
const carrierChecks = (vars: Record<string, unknown>) => [
  ...(text(vars["CARRIER_ACCOUNT"]) ? [] : ["CARRIER_ACCOUNT is empty: set your Shippo carrier account object id"]),
  ...found(providerUrlProblem("CARRIER_API_BASE", text(vars["CARRIER_API_BASE"]))),
];

const VAR_CHECKS: Record<string, (vars: Record<string, unknown>) => string[]> = {
  billing: stripeChecks,
  warehouse: carrierChecks,
  // The order's workflow (orchestration) charges and buys labels itself.
  "order-flow": (vars) => [...stripeChecks(vars), ...carrierChecks(vars)],
  integrations: (vars) => {
    const problems: string[] = [];
    const sid = text(vars["TWILIO_ACCOUNT_SID"]);
    if (!sid) problems.push("TWILIO_ACCOUNT_SID is empty: set your Twilio account SID (AC…)");
    else if (!/^AC[0-9a-f]{32}$/i.test(sid)) problems.push(`TWILIO_ACCOUNT_SID ${sid} is not a Twilio account SID (AC and 32 hex digits)`);
    const from = text(vars["TWILIO_FROM"]);
    const service = text(vars["TWILIO_MESSAGING_SERVICE_SID"]);
    if (!from && !service) problems.push("TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID are both empty: set a number you own or a Messaging Service");
    if (from && !/^\+[1-9][0-9]{6,14}$/.test(from)) problems.push(`TWILIO_FROM ${from} is not an E.164 number`);
    if (service && !/^MG[0-9a-f]{32}$/i.test(service)) problems.push(`TWILIO_MESSAGING_SERVICE_SID ${service} is not a Messaging Service SID (MG and 32 hex digits)`);
    const sender = addressOf(text(vars["EMAIL_FROM"]));
    const domain = /^[^@\s]+@([^@\s]+)$/.exec(sender)?.[1];
    if (!domain) problems.push(`EMAIL_FROM "${text(vars["EMAIL_FROM"])}" has no email address`);
    else if (RESERVED_DOMAIN.test(domain)) problems.push(`EMAIL_FROM ${sender} is at a reserved example domain: SES sends only from an identity you verified`);
    if (!text(vars["SES_REGION"]) && !text(vars["SES_ENDPOINT"])) problems.push("SES_REGION is empty");
    if (text(vars["SES_ENDPOINT"])) problems.push(...found(providerUrlProblem("SES_ENDPOINT", text(vars["SES_ENDPOINT"]))));
    problems.push(...found(providerUrlProblem("TWILIO_API_BASE", text(vars["TWILIO_API_BASE"]))));
    if (text(vars["WEBHOOK_ALLOW_LOCAL_HTTP"]) === "true") problems.push("WEBHOOK_ALLOW_LOCAL_HTTP is true: development only, it lets webhooks reach this machine's ports");
    return problems;
  },
};

/**
 * Everything that keeps the app `app` from working once deployed, as one line each (empty when
 * it can deploy): the app name, each worker's provider settings, its rate limits, and that every
 * service, queue and script a deployed config names is one the app deploys.
 */
export function deployProblems(workers: AppWorker[], app: string): string[] {
  if (!NAME.test(app)) return [`app name "${app}": use lower-case letters, digits and inner hyphens`];
  const deployed = forApp(workers, app);
  const problems: string[] = [];
  const say = (worker: string, problem: string) => problems.push(`${worker}: ${problem}`);

  for (const { name, config } of workers) for (const problem of VAR_CHECKS[name]?.(config.vars ?? {}) ?? []) say(name, problem);

  const namespaces = new Map<string, string>();
  for (const { name, config } of workers) {
    for (const limit of config.ratelimits ?? []) {
      const where = `[[ratelimits]] ${limit.name}`;
      if (limit.simple.period !== 10 && limit.simple.period !== 60) say(name, `${where}: period ${limit.simple.period} is neither 10 nor 60`);
      if (!Number.isInteger(limit.simple.limit) || limit.simple.limit < 1) say(name, `${where}: limit ${limit.simple.limit} is not a positive integer`);
      if (!/^[1-9][0-9]*$/.test(limit.namespace_id)) say(name, `${where}: namespace_id "${limit.namespace_id}" is not a positive integer`);
      const other = namespaces.get(limit.namespace_id);
      if (other) say(name, `${where}: namespace_id ${limit.namespace_id} is also ${other}'s; each limit needs its own`);
      namespaces.set(limit.namespace_id, `${name} ${limit.name}`);
    }
  }

  const names = new Set(deployed.map(({ config }) => config.name));
  const consumed = new Set(deployed.flatMap(({ config }) => (config.queues?.consumers ?? []).map((consumer) => consumer.queue)));
  const deadLetterQueues = new Set(deployed.flatMap(({ config }) => (config.queues?.consumers ?? []).flatMap((consumer) => consumer.dead_letter_queue ?? [])));
  const resources = resourcesOf(deployed, app);
  for (const { name, config } of deployed) {
    for (const service of config.services ?? []) if (!names.has(service.service)) say(name, `service binding ${service.binding} names ${service.service}, which this app does not deploy`);
    for (const binding of config.durable_objects?.bindings ?? []) {
      if (binding.script_name && !names.has(binding.script_name)) say(name, `Durable Object ${binding.name} lives in ${binding.script_name}, which this app does not deploy`);
    }
    for (const producer of config.queues?.producers ?? []) {
      // A queue only dead letters end up in may have no consumer (the last resort); any other is lost.
      if (!consumed.has(producer.queue) && !deadLetterQueues.has(producer.queue)) say(name, `${producer.binding} sends to ${producer.queue}, which no worker of this app consumes`);
    }
  }
  for (const deployedAs of [...names, ...resources.queues, ...resources.r2]) {
    if (deployedAs.length > 63 || !NAME.test(deployedAs)) problems.push(`app name "${app}": ${deployedAs} is not a valid worker, queue or bucket name (at most 63 characters)`);
  }
  return problems;
}

/** The secrets a deployed worker requires and does not have (`present`: the names `wrangler secret list` gives). */
export const missingSecrets = (config: WranglerConfig, present: readonly string[]) => (config.secrets?.required ?? []).filter((secret) => !present.includes(secret));
