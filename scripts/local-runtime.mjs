// What every local stack (`npm run dev`, the tests, the bench) asks of wrangler's local runtime.

/**
 * X_LOCAL_OBSERVABILITY: wrangler attaches a trace collector to every worker it runs locally,
 * which writes each invocation's spans and logs to SQLite inside the same runtime (for its
 * local explorer's trace view). Cloudflare does that work outside a worker; here it costs the
 * machine about 40 % of `npm run dev`'s CPU per order (142–150 → 84–92 ms at 10 orders/s) and
 * slows every request. Off unless the environment sets it: `X_LOCAL_OBSERVABILITY=true npm run dev`.
 */
export const localRuntimeEnv = (env = process.env) => ({ X_LOCAL_OBSERVABILITY: env.X_LOCAL_OBSERVABILITY ?? "false" });
