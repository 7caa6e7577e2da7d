// Sales as the accept bench runs it: the worker itself, except that a request marked
// `x-bench-rate-limits: in-isolate` counts its rate limits in the isolate's memory, as Cloudflare
// does (../limiter.ts), instead of through miniflare's stand-in. Unmarked requests use the real
// bindings. bench/stacks.ts builds this in place of the worker's own main; production never loads it.
import worker, * as app from "../../../workers/sales/index";
import { InIsolateLimiter } from "../limiter";

export const Catalog = app.Catalog;
export const Order = app.Order;
export const StuckOrders = app.StuckOrders;

/** `BENCH_RATE_LIMITS`: each rate-limit binding's `{ limit, period }`, as its wrangler.toml sets them. */
type Limits = Record<string, { limit: number; period: number }>;
let inIsolate: Record<string, InIsolateLimiter> | undefined;

function limitersOf(env: SalesEnv & { BENCH_RATE_LIMITS?: string }): Record<string, InIsolateLimiter> {
  inIsolate ??= Object.fromEntries(
    Object.entries(JSON.parse(env.BENCH_RATE_LIMITS ?? "{}") as Limits).map(([binding, { limit, period }]) => [binding, new InIsolateLimiter(limit, period)]),
  );
  return inIsolate;
}

export default {
  ...worker,
  fetch(request, env, ctx) {
    const local = request.headers.get("x-bench-rate-limits") === "in-isolate";
    return worker.fetch!(request, local ? { ...env, ...limitersOf(env) } : env, ctx);
  },
} satisfies ExportedHandler<SalesEnv>;
