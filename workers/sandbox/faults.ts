import { z } from "zod";

export const PROVIDERS = ["stripe", "carrier", "ses", "twilio", "webhooks"] as const;
export const Provider = z.enum(PROVIDERS);
export type Provider = z.infer<typeof Provider>;

/**
 * How a provider misbehaves: `down` (503, as if unreachable), `error` (500), `throttle`
 * (429 with Retry-After), `slow` (answers after `delayMs`), `reject` (400, as for a
 * revoked key or a request it will never accept), `ok` (clears the fault).
 * `remaining` limits it to the next N requests; `rate` hits only that share of them.
 */
export const Fault = z.strictObject({
  provider: Provider,
  mode: z.enum(["ok", "down", "error", "throttle", "slow", "reject"]),
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
