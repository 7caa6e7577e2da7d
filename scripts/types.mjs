// Regenerates each worker's Env interface from its wrangler.toml (distinct names, so all
// workers type-check in one program without their Env interfaces merging).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { SANDBOX, WORKERS } from "./workers.mjs";

for (const worker of [...WORKERS, SANDBOX]) {
  const out = worker.typesOut ?? path.join(path.dirname(worker.config), "worker-configuration.d.ts");
  execFileSync(
    "wrangler",
    ["types", "-c", worker.config, "--include-runtime=false", "--strict-vars=false", "--env-interface", worker.envInterface, out],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  console.log(`${worker.name}: ${out}`);
}
