// A worker bundled exactly as `wrangler deploy` bundles it, without uploading (`--dry-run`):
// what `npm run build` checks, what `npm run dev` serves and the sandbox runs on.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Bundles the worker of `config` into `outdir` (absolute: wrangler splits relative outdirs);
 * with `metafile`, esbuild's record of the files it read is written there too. On failure the
 * error carries wrangler's `stderr`.
 */
export async function bundleAsDeployed(config, outdir, { env = process.env, metafile } = {}) {
  await run("wrangler", ["deploy", "--dry-run", "-c", config, "--outdir", path.resolve(outdir), ...(metafile ? ["--metafile", metafile] : [])], {
    env: { WRANGLER_SEND_METRICS: "false", ...env },
  });
}
