// Regenerates each worker's Env interface from its wrangler.toml (distinct names, so all
// workers type-check in one program without their Env interfaces merging).
// `--check` fails instead when a generated file is out of date with its config.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { SANDBOX, WORKERS } from "./workers.mjs";

const check = process.argv.includes("--check");
let stale = 0;
for (const worker of [...WORKERS, SANDBOX]) {
  const out = worker.typesOut ?? path.join(path.dirname(worker.config), "worker-configuration.d.ts");
  const args = ["types", "-c", worker.config, "--include-runtime=false", "--strict-vars=false", "--env-interface", worker.envInterface, out];
  try {
    execFileSync("wrangler", check ? [...args, "--check"] : args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    console.log(`${worker.name}: ${out}${check ? " is up to date" : ""}`);
  } catch (error) {
    stale++;
    console.error(`${worker.name}: ${out} is out of date; run npm run types\n${error.stderr ?? error}`);
  }
}
process.exit(stale ? 1 : 0);
