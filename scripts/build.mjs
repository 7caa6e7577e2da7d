// Bundles every deployable worker exactly as `wrangler deploy` would, without uploading
// (`wrangler deploy --dry-run`), into dist/<worker>. CI runs this; no account needed.
import path from "node:path";
import { bundleAsDeployed } from "./deploy-bundle.mjs";
import { WORKERS } from "./workers.mjs";

for (const worker of WORKERS) {
  const outdir = path.join("dist", worker.name);
  try {
    await bundleAsDeployed(worker.config, outdir);
  } catch (error) {
    console.error(error.stderr || error.message);
    process.exit(1);
  }
  console.log(`${worker.name}: bundled into ${outdir}`);
}
