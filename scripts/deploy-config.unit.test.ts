import { describe, expect, it } from "vitest";
import { deployProblems, forApp, missingSecrets, readWorkers, resourcesOf, withIds, type AppWorker } from "./deploy-config.ts";
import { WORKERS } from "./workers.mjs";

// The real wrangler.toml files, as committed.
const committed = readWorkers(WORKERS);

/** The committed configs with `vars` (by worker) and any other change applied. */
function changed(vars: Record<string, Record<string, unknown>>, edit: (workers: AppWorker[]) => void = () => {}): AppWorker[] {
  const workers = committed.map(({ name, config }) => ({ name, config: { ...structuredClone(config), vars: { ...config.vars, ...vars[name] } } }));
  edit(workers);
  return workers;
}
const configOf = (workers: AppWorker[], name: string) => workers.find((worker) => worker.name === name)!.config;

/** What a shop fills in before its first deploy. */
const filledIn = {
  warehouse: { CARRIER_ACCOUNT: "b741b99f95e841639b54272834bc478c" },
  "order-flow": { CARRIER_ACCOUNT: "b741b99f95e841639b54272834bc478c" },
  integrations: { TWILIO_ACCOUNT_SID: `AC${"0123456789abcdef".repeat(2)}`, TWILIO_FROM: "+14155550123", EMAIL_FROM: "Shop <orders@shop.example.co>" },
};

describe("deploy checks", () => {
  it("refuses the configuration as committed, listing each setting that cannot work", () => {
    expect(deployProblems(committed, "choreo")).toEqual([
      "warehouse: CARRIER_ACCOUNT is empty: set your Shippo carrier account object id",
      "integrations: TWILIO_ACCOUNT_SID is empty: set your Twilio account SID (AC…)",
      "integrations: TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID are both empty: set a number you own or a Messaging Service",
      "integrations: EMAIL_FROM orders@example.com is at a reserved example domain: SES sends only from an identity you verified",
      "order-flow: CARRIER_ACCOUNT is empty: set your Shippo carrier account object id",
    ]);
  });

  it("accepts it once the carrier account, Twilio and a real sender are set", () => {
    expect(deployProblems(changed(filledIn), "shop")).toEqual([]);
  });

  it("refuses sandbox leftovers and malformed provider settings", () => {
    const workers = changed({
      ...filledIn,
      billing: { STRIPE_API_BASE: "http://127.0.0.1:8789/stripe" },
      warehouse: { ...filledIn.warehouse, CARRIER_API_BASE: "https://localhost/carrier" },
      integrations: {
        ...filledIn.integrations,
        TWILIO_ACCOUNT_SID: "ACsandbox",
        TWILIO_FROM: "5550006",
        EMAIL_FROM: "orders@mail.example.net",
        WEBHOOK_ALLOW_LOCAL_HTTP: "true",
      },
    });
    expect(deployProblems(workers, "shop")).toEqual([
      "billing: STRIPE_API_BASE http://127.0.0.1:8789/stripe is not https",
      "warehouse: CARRIER_API_BASE https://localhost/carrier points at this machine (the local sandbox?)",
      "integrations: TWILIO_ACCOUNT_SID ACsandbox is not a Twilio account SID (AC and 32 hex digits)",
      "integrations: TWILIO_FROM 5550006 is not an E.164 number",
      "integrations: EMAIL_FROM orders@mail.example.net is at a reserved example domain: SES sends only from an identity you verified",
      "integrations: WEBHOOK_ALLOW_LOCAL_HTTP is true: development only, it lets webhooks reach this machine's ports",
    ]);
  });

  it("refuses rate limits the binding cannot have, and references to what the app does not deploy", () => {
    const workers = changed(filledIn, (all) => {
      const sales = configOf(all, "sales");
      sales.ratelimits![0]!.simple.period = 30;
      sales.ratelimits![1]!.namespace_id = sales.ratelimits![2]!.namespace_id;
      sales.services!.push({ binding: "LEGACY", service: "legacy" });
      configOf(all, "billing").queues!.producers!.push({ binding: "AUDIT_QUEUE", queue: "audit" });
    });
    expect(deployProblems(workers, "shop")).toEqual([
      "sales: [[ratelimits]] ORDERS_PER_IP: period 30 is neither 10 nor 60",
      "sales: [[ratelimits]] ADMIN_PER_IP: namespace_id 1003 is also sales ORDERS_PER_CUSTOMER's; each limit needs its own",
      "billing: AUDIT_QUEUE sends to shop-audit, which no worker of this app consumes",
      "sales: service binding LEGACY names shop-legacy, which this app does not deploy",
    ]);
  });

  it("refuses an app name that cannot prefix worker and queue names", () => {
    expect(deployProblems(changed(filledIn), "My_Shop")).toEqual(['app name "My_Shop": use lower-case letters, digits and inner hyphens']);
    expect(deployProblems(changed(filledIn), "a".repeat(40))).toContain(`app name "${"a".repeat(40)}": ${"a".repeat(40)}-dead-letters-last-resort is not a valid worker, queue or bucket name (at most 63 characters)`);
  });

  it("lists the secrets a worker still needs", () => {
    expect(missingSecrets(configOf(committed, "sales"), ["ADMIN_TOKEN"])).toEqual(["ORDER_SECRET_KEY"]);
  });
});

describe("deploying under an app name", () => {
  const deployed = forApp(committed, "shop");

  it("renames every worker, queue, database and bucket, and every reference to one, leaving none of the local names", () => {
    const local = new Set([
      ...committed.map(({ config }) => config.name),
      ...resourcesOf(committed, "choreo").queues,
      ...resourcesOf(committed, "choreo").r2,
      ...resourcesOf(committed, "choreo").d1.map((db) => db.name),
    ]);
    const strings = (value: unknown): string[] =>
      typeof value === "string" ? [value] : Array.isArray(value) ? value.flatMap(strings) : value && typeof value === "object" ? Object.values(value).flatMap(strings) : [];
    expect(deployed.flatMap(({ config }) => strings(config)).filter((value) => local.has(value))).toEqual([]);

    expect(deployed.map(({ config }) => config.name)).toEqual(["shop-billing", "shop-warehouse", "shop-integrations", "shop-dead-letters", "shop-projections", "shop-sales", "shop-order-flow"]);
    expect(configOf(deployed, "order-flow").workflows).toEqual([{ name: "shop-order-flow", binding: "ORDER_WORKFLOW", class_name: "OrderFlow" }]);
    expect(configOf(deployed, "order-flow").durable_objects!.bindings!.map((binding) => binding.script_name)).toEqual(["shop-sales", "shop-warehouse"]);
    expect(configOf(deployed, "sales").services!.map((service) => service.service)).toEqual(["shop-warehouse", "shop-integrations", "shop-dead-letters", "shop-projections"]);
    expect(configOf(deployed, "dead-letters").queues!.consumers![0]).toMatchObject({ queue: "shop-sales-dlq", dead_letter_queue: "shop-dead-letters-last-resort" });
    expect(deployProblems(changed(filledIn), "shop")).toEqual([]);
    // The local configs are left as they were.
    expect(configOf(committed, "sales").name).toBe("sales");
  });

  it("lists what to create under the app's names, storage keeping its role", () => {
    const resources = resourcesOf(deployed, "shop");
    expect(resources.queues).toEqual(
      ["billing", "dead-letters-last-resort", "integrations", "order-flow", "projections", "sales", "warehouse", "billing-dlq", "integrations-dlq", "order-flow-dlq", "projections-dlq", "sales-dlq", "warehouse-dlq"]
        .map((queue) => `shop-${queue}`)
        .sort(),
    );
    expect(resources.d1).toEqual([{ name: "shop-reporting", placeholder: "local-choreo-reporting" }]);
    expect(resources.kv).toEqual([{ title: "shop-webhook-subscriptions", placeholder: "local-choreo-webhook-subscriptions" }]);
    expect(resources.r2).toEqual(["shop-lake"]);
    // Under the default app, storage keeps the names the wrangler.toml files give it.
    expect(resourcesOf(forApp(committed, "choreo"), "choreo")).toMatchObject({ d1: [{ name: "choreo-reporting" }], r2: ["choreo-lake"] });
  });

  it("puts the real ids where the configs hold the local placeholders", () => {
    const ids = { "local-choreo-reporting": "d1-uuid", "local-choreo-webhook-subscriptions": "kv-id" };
    const filled = withIds(deployed, ids);
    expect(configOf(filled, "projections").d1_databases![0]!.database_id).toBe("d1-uuid");
    for (const name of ["sales", "billing", "warehouse", "integrations"]) expect(configOf(filled, name).kv_namespaces![0]!.id).toBe("kv-id");
  });
});
