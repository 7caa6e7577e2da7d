// The provider sandbox for `npm run dev`, straight on the Workers runtime (Miniflare): it is a
// stand-in, not part of the product, and `wrangler dev`'s proxy, file watcher and request log
// cost more CPU per order than the sandbox's own work. Built once at start (restart to pick up
// an edit to workers/sandbox), its state kept under .wrangler/sandbox-state.
//
// host:port is the sandbox worker's own socket, not Miniflare's entry worker (which gets a
// spare port): the entry's routing, cf blob and error pages cost 0.3 ms of CPU per request,
// more than a provider call's own work here (0.2 ms), and an order makes about seven.
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
      port: 0,
      logRequests: false,
      workers: [
        {
          name: SANDBOX.name,
          compatibilityDate,
          compatibilityFlags,
          durableObjects,
          bindings,
          modules: true,
          scriptPath: path.join(BUILD, "index.js"),
          unsafeDirectSockets: [{ host, port }],
        },
      ],
    }),
    resourcePersistencePath: persistTo,
  });
  await sandbox.ready;
  return sandbox;
}
