// What wrangler's test harness does that production does not, undone for the bench. Imported
// first by bench/run.ts, before wrangler loads Miniflare.
//
// 1. Outbound fetches through Node. The harness sends every worker's outbound fetch through this
//    process (its `outboundService` calls Node's fetch). On Cloudflare a provider call leaves the
//    worker for the provider; here it cost this process about 10 ms of CPU per order on the cores
//    the systems share, more for the system with more provider calls per order. Miniflare here
//    starts every worker with workerd's own network service instead, as `wrangler dev` does.
// 2. Deleting a runtime's files when it closes. Each stack keeps its Durable Objects in a fresh
//    /tmp/miniflare-* directory that is deleted on close: tens of thousands of SQLite files after
//    the accept phase. On this machine's ext4 (no journal) the kernel then scans the recently
//    freed inodes (recently_deleted) for every file created in the next minutes, so the next
//    phase paid for the last one's clean-up, and unevenly (the first of its runs the most).
//    Those directories are moved aside and deleted when the bench is done.
import { mkdirSync, promises as fsPromises, renameSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import nodePath from "node:path";

const require = createRequire(import.meta.url);
const path = require.resolve("miniflare", { paths: [require.resolve("wrangler")] });
const miniflare = require(path) as typeof import("miniflare");

type WorkerOptions = { outboundService?: unknown; dev?: { outboundService?: unknown } };

/** A Node function, as the harness gives it, or as Miniflare's v4-options conversion wraps it ({ type: "fetcher", handler }). */
const inNode = (service: unknown): boolean =>
  typeof service === "function" || (typeof service === "object" && service !== null && typeof (service as { handler?: unknown }).handler === "function");

/** The options with any outbound service that runs in Node removed (a worker or network designator is kept). */
function directOutbound<T>(options: T): T {
  const workers = (options as { workers?: WorkerOptions[] }).workers;
  if (!Array.isArray(workers)) return options;
  return {
    ...options,
    workers: workers.map((worker) => {
      const { outboundService, dev, ...rest } = worker;
      const kept: WorkerOptions = { ...rest };
      if (outboundService !== undefined && !inNode(outboundService)) kept.outboundService = outboundService;
      if (dev) {
        const { outboundService: devOutbound, ...devRest } = dev;
        kept.dev = devOutbound === undefined || inNode(devOutbound) ? devRest : { ...devRest, outboundService: devOutbound };
      }
      return kept;
    }),
  };
}

class DirectMiniflare extends miniflare.Miniflare {
  constructor(options: ConstructorParameters<typeof miniflare.Miniflare>[0]) {
    super(directOutbound(options));
  }

  override setOptions(options: Parameters<InstanceType<typeof miniflare.Miniflare>["setOptions"]>[0]) {
    return super.setOptions(directOutbound(options));
  }
}

// The module's exports are getters that cannot be redefined: wrangler gets a copy whose Miniflare is the class above.
const exports: Record<string, unknown> = Object.create(null);
for (const key of Object.keys(miniflare)) if (key !== "Miniflare") Object.defineProperty(exports, key, { enumerable: true, get: () => (miniflare as Record<string, unknown>)[key] });
Object.defineProperty(exports, "Miniflare", { enumerable: true, value: DirectMiniflare });
require.cache[path]!.exports = exports;

const TRASH = nodePath.join(os.tmpdir(), `choreo-bench-closed-runtimes-${process.pid}`);
const remove = fsPromises.rm;
let measuring = true;
fsPromises.rm = async (target, options) => {
  const name = typeof target === "string" ? nodePath.basename(target) : "";
  if (measuring && name.startsWith("miniflare-") && nodePath.dirname(String(target)) === os.tmpdir()) {
    try {
      mkdirSync(TRASH, { recursive: true });
      renameSync(String(target), nodePath.join(TRASH, name));
      return;
    } catch {
      // Not there (already gone) or not movable: delete it as asked.
    }
  }
  return remove(target, options);
};

/** Deletes the files of every runtime closed so far, and of any closed from now on: call when nothing is measured any more. */
export function deleteClosedRuntimes(): Promise<void> {
  measuring = false;
  return remove(TRASH, { recursive: true, force: true });
}
