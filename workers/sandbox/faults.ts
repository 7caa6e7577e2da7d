import { z } from "zod";

export const PROVIDERS = ["stripe", "carrier", "ses", "twilio", "webhooks", "dns"] as const;
export const Provider = z.enum(PROVIDERS);
export type Provider = z.infer<typeof Provider>;

/**
 * How a provider misbehaves: `down` (503, as if unreachable), `error` (500), `throttle`
 * (429 with Retry-After), `slow` (answers after `delayMs`), `reject` (400, as for a
 * revoked key or a request it will never accept), `flaky` (each hit is one of `modes` at
 * random, by default 500, 429 or 503: the chaos test), `lost` (the provider acts, but its
 * answer never arrives: 504), `ok` (clears the fault). `idempotencyWindowSeconds`: how long
 * Stripe keeps an Idempotency-Key (24 h; 0 forgets it at once, as a replay days later finds).
 * `remaining` limits it to the next N requests; `rate` hits only that share of them.
 */
export const Fault = z.strictObject({
  provider: Provider,
  mode: z.enum(["ok", "down", "error", "throttle", "slow", "reject", "flaky", "lost"]),
  modes: z.array(z.enum(["error", "throttle", "down", "lost"])).min(1).default(["error", "throttle", "down"]),
  idempotencyWindowSeconds: z.number().int().min(0).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
  delayMs: z.number().int().min(0).max(60_000).default(2_000),
  remaining: z.number().int().positive().optional(),
  rate: z.number().min(0).max(1).default(1),
});
export type Fault = z.infer<typeof Fault>;

/** The response a fault produces instead of the provider's, or undefined to answer normally. */
export function faultResponse(fault: Fault): Response | undefined {
  switch (fault.mode) {
    case "down":
      return new Response("service unavailable (sandbox fault: down)", { status: 503, headers: { connection: "close" } });
    case "error":
      return Response.json({ error: { type: "api_error", message: "sandbox fault: error" } }, { status: 500 });
    case "throttle":
      return Response.json(
        { error: { type: "rate_limit_error", message: "sandbox fault: throttle" } },
        { status: 429, headers: { "retry-after": String(fault.retryAfterSeconds) } },
      );
    case "reject":
      return Response.json({ error: { type: "invalid_request_error", message: "sandbox fault: reject" } }, { status: 400 });
    default:
      return undefined;
  }
}

/** A consumer's fault plan (see workers/sandbox/delivery-hooks.ts), keyed by the queue it consumes. */
export const ConsumerFault = z.strictObject({
  mode: z.enum(["ok", "down", "chaos"]),
  seed: z.number().int().default(() => Math.floor(Math.random() * 1_000_000)),
  throwRate: z.number().min(0).max(1).default(0),
  duplicateRate: z.number().min(0).max(1).default(0),
  relayFailRate: z.number().min(0).max(1).default(0),
});
export type ConsumerFault = z.infer<typeof ConsumerFault>;

export const AuditRecords = z.array(
  z.object({ kind: z.enum(["published", "consumed", "dead"]), queue: z.string(), eventId: z.string(), type: z.string() }),
).max(1000);
