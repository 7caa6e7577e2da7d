// Bundles every deployable worker exactly as `wrangler deploy` would, without uploading
// (`wrangler deploy --dry-run`), into dist/<worker>. CI runs this; no account needed.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { WORKERS } from "./workers.mjs";

for (const worker of WORKERS) {
  const outdir = path.resolve("dist", worker.name); // absolute: wrangler splits relative outdirs
  execFileSync("wrangler", ["deploy", "--dry-run", "-c", worker.config, "--outdir", outdir], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  console.log(`${worker.name}: bundled into ${path.relative(process.cwd(), outdir)}`);
}
