// The provider sandbox for `npm run dev`, straight on the Workers runtime (Miniflare): it is a
// stand-in, not part of the product, and `wrangler dev`'s proxy, file watcher and request log
// cost more CPU per order than the sandbox's own work. Built once at start (restart to pick up
// an edit to workers/sandbox), its state kept under .wrangler/sandbox-state.
import path from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleAsDeployed } from "./deploy-bundle.mjs";
import { SANDBOX } from "./workers.mjs";

const BUILD = path.resolve(".wrangler/sandbox-build");

/** Bundles the sandbox as `wrangler deploy` would and serves it on host:port. */
export async function startSandbox({ host, port, persistTo, env }) {
  await bundleAsDeployed(SANDBOX.config, BUILD, { env });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(SANDBOX.config);
  const { compatibilityDate, compatibilityFlags, durableObjects, bindings } = workerOptions;
  const sandbox = new Miniflare({
    ...convertV4MiniflareOptions({
      host,
      port,
      logRequests: false,
      workers: [{ name: SANDBOX.name, compatibilityDate, compatibilityFlags, durableObjects, bindings, modules: true, scriptPath: path.join(BUILD, "index.js") }],
    }),
    resourcePersistencePath: persistTo,
  });
  await sandbox.ready;
  return sandbox;
}
