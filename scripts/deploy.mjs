// `npm run deploy`: creates the queues, dead-letter queues, D1 database, R2 bucket and KV
// namespaces that do not exist yet, writes the new D1/KV ids into the wrangler.toml files that
// still hold the local placeholders (commit that change), applies the D1 migrations, then
// deploys the workers in dependency order. Needs `wrangler login` (or CLOUDFLARE_API_TOKEN)
// and the secrets listed in docs/configuration.md. `npm run deploy -- --dry-run` only bundles.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { deadLetterQueueOf, LAST_RESORT_QUEUE, QUEUES } from "../src/contracts/topology.ts";
import { WORKERS } from "./workers.mjs";

const dryRun = process.argv.includes("--dry-run");
const run = (args) => execFileSync("wrangler", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Storage the workers bind to, by name; `placeholder` is the id the configs carry for local use. */
const D1 = { name: "choreo-reporting", placeholder: "local-choreo-reporting", configs: ["workers/projections/wrangler.toml"] };
const KV_NAMESPACES = [
  // Written by Integrations' WebhookRegistry, read by every publisher (src/platform/webhook-subscriptions.ts).
  {
    name: "choreo-webhook-subscriptions",
    placeholder: "local-choreo-webhook-subscriptions",
    configs: ["wrangler.toml", "workers/billing/wrangler.toml", "workers/warehouse/wrangler.toml", "workers/integrations/wrangler.toml"],
  },
];
const R2_BUCKET = "choreo-lake";

/** Puts the real id where a config still has the placeholder. */
function fillIn(resource, id) {
  for (const config of resource.configs) {
    const text = readFileSync(config, "utf8");
    if (!text.includes(`"${resource.placeholder}"`)) continue;
    writeFileSync(config, text.replaceAll(`"${resource.placeholder}"`, `"${id}"`));
    console.log(`${config}: ${resource.name} id ${id} written; commit it`);
  }
}

if (!dryRun) {
  const existing = run(["queues", "list"]);
  for (const queue of [...QUEUES.flatMap((q) => [q, deadLetterQueueOf(q)]), LAST_RESORT_QUEUE]) {
    if (new RegExp(`\\b${queue}\\b`).test(existing)) continue;
    console.log(`creating queue ${queue}`);
    run(["queues", "create", queue]);
  }

  let database = JSON.parse(run(["d1", "list", "--json"])).find((db) => db.name === D1.name);
  if (!database) {
    console.log(`creating D1 database ${D1.name}`);
    run(["d1", "create", D1.name]);
    database = JSON.parse(run(["d1", "list", "--json"])).find((db) => db.name === D1.name);
  }
  fillIn(D1, database.uuid);

  for (const kv of KV_NAMESPACES) {
    let namespace = JSON.parse(run(["kv", "namespace", "list"])).find((ns) => ns.title === kv.name);
    if (!namespace) {
      console.log(`creating KV namespace ${kv.name}`);
      run(["kv", "namespace", "create", kv.name]);
      namespace = JSON.parse(run(["kv", "namespace", "list"])).find((ns) => ns.title === kv.name);
    }
    fillIn(kv, namespace.id);
  }

  if (!new RegExp(`\\b${R2_BUCKET}\\b`).test(run(["r2", "bucket", "list"]))) {
    console.log(`creating R2 bucket ${R2_BUCKET}`);
    run(["r2", "bucket", "create", R2_BUCKET]);
  }

  for (const worker of WORKERS) {
    for (const binding of worker.d1 ?? []) {
      console.log(`applying D1 migrations to ${binding} (${worker.name})`);
      run(["d1", "migrations", "apply", binding, "--remote", "-c", worker.config]);
    }
  }
}
for (const worker of WORKERS) {
  console.log(`${dryRun ? "bundling" : "deploying"} ${worker.name}`);
  process.stdout.write(run(["deploy", "-c", worker.config, ...(dryRun ? ["--dry-run"] : [])]));
}
