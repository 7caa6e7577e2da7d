// `npm run deploy`: checks every worker's configuration and refuses, with the list of problems,
// what cannot work (scripts/deploy-config.ts); then, under the app's name (`--app <name>` or
// APP_NAME, default `choreo`: workers, queues, D1, R2 and KV are all `<app>-…`), checks that
// each worker has its required secrets, creates the queues, dead-letter queues, D1 database, R2
// bucket and KV namespace that do not exist yet, applies the D1 migrations and deploys the
// workers in dependency order. The configs it deploys are generated next to each wrangler.toml
// as wrangler.deploy.json (git-ignored), with the app's names and the real ids; the wrangler.toml
// files keep their local names. Needs `wrangler login` (or CLOUDFLARE_API_TOKEN).
// `npm run deploy -- --dry-run` checks and bundles, without an account.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_APP, deployProblems, forApp, missingSecrets, readWorkers, resourcesOf, withIds } from "./deploy-config.ts";
import { WORKERS } from "./workers.mjs";

const { values: options } = parseArgs({ options: { app: { type: "string" }, "dry-run": { type: "boolean", default: false } } });
const app = options.app ?? process.env.APP_NAME ?? DEFAULT_APP;
const dryRun = options["dry-run"];
const run = (args) => execFileSync("wrangler", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
/** Whether a `wrangler … list` table names `name` (whole: `shop-sales` is not `shop-sales-dlq`). */
const listed = (name, table) => new RegExp(`(^|[^a-z0-9-])${name}([^a-z0-9-]|$)`, "m").test(table);

function refuse(problems) {
  console.error(`npm run deploy: not deploying ${app}; fix these first (docs/configuration.md#deploying):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  process.exit(1);
}

const local = readWorkers(WORKERS);
const problems = deployProblems(local, app);
if (problems.length) refuse(problems);
let workers = forApp(local, app);

if (!dryRun) {
  // Every worker's secrets, before anything is created: wrangler would otherwise stop midway.
  const missing = workers.flatMap(({ config }) => {
    let present = [];
    try {
      present = JSON.parse(run(["secret", "list", "--name", config.name, "--format", "json"])).map((secret) => secret.name);
    } catch {
      // Not deployed yet: it has none.
    }
    return missingSecrets(config, present).map((secret) => `${config.name}: secret ${secret} is not set (npx wrangler secret put ${secret} --name ${config.name})`);
  });
  if (missing.length) refuse(missing);

  const resources = resourcesOf(workers, app);
  const existing = run(["queues", "list"]);
  for (const queue of resources.queues) {
    if (listed(queue, existing)) continue;
    console.log(`creating queue ${queue}`);
    run(["queues", "create", queue]);
  }

  const ids = {};
  for (const database of resources.d1) {
    const find = () => JSON.parse(run(["d1", "list", "--json"])).find((db) => db.name === database.name);
    if (!find()) {
      console.log(`creating D1 database ${database.name}`);
      run(["d1", "create", database.name]);
    }
    ids[database.placeholder] = find().uuid;
  }
  for (const kv of resources.kv) {
    const find = () => JSON.parse(run(["kv", "namespace", "list"])).find((ns) => ns.title === kv.title);
    if (!find()) {
      console.log(`creating KV namespace ${kv.title}`);
      run(["kv", "namespace", "create", kv.title]);
    }
    ids[kv.placeholder] = find().id;
  }
  const buckets = run(["r2", "bucket", "list"]);
  for (const bucket of resources.r2) {
    if (listed(bucket, buckets)) continue;
    console.log(`creating R2 bucket ${bucket}`);
    run(["r2", "bucket", "create", bucket]);
  }
  workers = withIds(workers, ids);
}

// Next to each wrangler.toml, so that `main` and `migrations_dir` resolve as they do there.
const deployConfig = (worker) => path.join(path.dirname(worker.config), "wrangler.deploy.json");
for (const worker of WORKERS) {
  const { config } = workers.find((w) => w.name === worker.name);
  writeFileSync(deployConfig(worker), `${JSON.stringify(config, null, 2)}\n`);
}

if (!dryRun) {
  for (const worker of WORKERS) {
    for (const binding of worker.d1 ?? []) {
      console.log(`applying D1 migrations to ${binding} (${worker.name})`);
      run(["d1", "migrations", "apply", binding, "--remote", "-c", deployConfig(worker)]);
    }
  }
}
for (const worker of WORKERS) {
  console.log(`${dryRun ? "bundling" : "deploying"} ${workers.find((w) => w.name === worker.name).config.name}`);
  process.stdout.write(run(["deploy", "-c", deployConfig(worker), ...(dryRun ? ["--dry-run"] : [])]));
}
