// The Vitest project of one worker: its real wrangler.toml in workerd, plus the provider
// sandbox (over HTTP) and a queue tap when the worker calls providers or publishes events.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { experimental_readRawConfig } from "wrangler";
import { defineConfig } from "vitest/config";
import { UNTHROTTLED_LIMIT } from "../scripts/sandboxed.mjs";
import { queueTap } from "./queue-tap.ts";

export const ROOT = path.resolve(import.meta.dirname, "..");

type Options = {
  name: string;
  /** The worker's wrangler config, relative to the repository root. */
  config: string;
  /** Test files, relative to the repository root. */
  include: string[];
  /** Test files of `include` that another project runs. */
  exclude?: string[];
  /** Start the provider sandbox for this project; its origin is passed to `bindings`. */
  sandbox?: boolean;
  /** Vars and secrets for the test. */
  bindings?: (sandboxUrl: string) => Record<string, string>;
  /** Queues whose messages the test wants to see (through the TAP service binding). */
  tap?: string[];
  /** Extra auxiliary workers (stand-ins for services this worker binds to). */
  workers?: Record<string, unknown>[];
  /** A D1 binding whose migrations (`migrations_dir`, relative to the root) are applied before the tests. */
  d1?: { binding: string; migrations: string };
  /**
   * The limit of some of the worker's [[ratelimits]] bindings in this project. The others are
   * raised, as in every local stack (scripts/sandboxed.mjs): the project's tests share one address.
   */
  rateLimits?: Record<string, number>;
};

type RateLimitBinding = { name: string; namespace_id: string; simple: { limit: number; period: 10 | 60 } };

/** The worker's rate limiters with the project's limits, in Miniflare's shape. */
function rateLimiters(config: string, limits: Record<string, number> = {}) {
  const bindings = (experimental_readRawConfig({ config: path.join(ROOT, config) }).rawConfig.ratelimits ?? []) as RateLimitBinding[];
  return Object.fromEntries(
    bindings.map(({ name, namespace_id, simple }) => [name, { namespace_id, simple: { limit: limits[name] ?? UNTHROTTLED_LIMIT, period: simple.period } }]),
  );
}

export function workerProject(options: Options) {
  const usesSandbox = options.sandbox === true;
  return defineConfig({
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: path.join(ROOT, options.config) },
        miniflare: {
          bindings: {
            // wrangler also reads the worker's .dev.vars, which `npm run dev` writes; its
            // SANDBOX_URL would point unit tests at the dev sandbox (or at nothing).
            SANDBOX_URL: "",
            ...(options.bindings?.(usesSandbox ? inject("sandboxUrl") : "") ?? {}),
            ...(options.d1
              ? { TEST_D1_BINDING: options.d1.binding, TEST_D1_MIGRATIONS: await readD1Migrations(path.join(ROOT, options.d1.migrations)) }
              : {}),
          },
          ratelimits: rateLimiters(options.config, options.rateLimits),
          ...(options.tap ? { serviceBindings: { TAP: "queue-tap" } } : {}),
          workers: [...(options.tap ? [queueTap(options.tap)] : []), ...(options.workers ?? [])] as never[],
        },
      })),
    ],
    test: {
      name: options.name,
      root: ROOT,
      include: options.include,
      // Pure decisions run in Node (test/unit/vitest.config.ts), not here.
      exclude: ["**/*.unit.test.ts", "**/node_modules/**", ...(options.exclude ?? [])],
      // One sandbox per project, whose fault switches (a Stripe error for the next call, Stripe
      // forgetting its keys) are global: a file setting one must not have another file's call
      // consume it, so the project's files run one at a time.
      ...(usesSandbox ? { globalSetup: [path.join(ROOT, "test/sandbox-server.ts")], fileParallelism: false } : {}),
      ...(options.d1 ? { setupFiles: [path.join(ROOT, "test/apply-d1-migrations.ts")] } : {}),
    },
  });
}

/**
 * A stand-in for a worker that the worker under test binds to (service bindings need a
 * worker of that name): it answers every request with what it received.
 */
export function echoWorker(name: string) {
  return {
    name,
    modules: true,
    compatibilityDate: "2026-08-01",
    script: `export default { async fetch(request) {
      return Response.json({ forwardedTo: ${JSON.stringify(name)}, method: request.method, path: new URL(request.url).pathname,
        authorization: request.headers.get("authorization"), body: await request.text() });
    } };`,
  };
}
