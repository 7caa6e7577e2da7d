// `npm run deploy`: creates the queues and dead-letter queues that do not exist yet, then
// deploys the workers in dependency order. Needs `wrangler login` (or CLOUDFLARE_API_TOKEN)
// and the secrets listed in README.md. `npm run deploy -- --dry-run` only bundles.
import { execFileSync } from "node:child_process";
import { deadLetterQueueOf, QUEUES } from "../src/contracts/topology.ts";
import { WORKERS } from "./workers.mjs";

const dryRun = process.argv.includes("--dry-run");
const run = (args) => execFileSync("wrangler", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

if (!dryRun) {
  const existing = run(["queues", "list"]);
  for (const queue of QUEUES.flatMap((q) => [q, deadLetterQueueOf(q)])) {
    if (new RegExp(`\\b${queue}\\b`).test(existing)) continue;
    console.log(`creating queue ${queue}`);
    run(["queues", "create", queue]);
  }
}
for (const worker of WORKERS) {
  console.log(`${dryRun ? "bundling" : "deploying"} ${worker.name}`);
  process.stdout.write(run(["deploy", "-c", worker.config, ...(dryRun ? ["--dry-run"] : [])]));
}
