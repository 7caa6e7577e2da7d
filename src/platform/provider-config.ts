import type { Retry } from "./outcome";

/** How long a message waits while its provider is not configured: long enough not to spin, short enough for a fix to take. */
export const UNCONFIGURED_RETRY_SECONDS = 300;

export type Configured<C> = { ok: true; config: C } | { ok: false; retry: Retry };

/**
 * A provider's configuration from a worker's env, the one way every provider client reads it:
 * `build` gets the `required` vars once each is set (and may still refuse, returning undefined);
 * otherwise the message is retried later with a reason naming the vars to set.
 */
export function providerConfig<K extends string, C>(
  provider: string,
  env: Partial<Record<K, unknown>>,
  required: readonly K[],
  build: (vars: Record<K, string>) => C | undefined,
): Configured<C> {
  const vars = Object.fromEntries(required.map((key) => [key, env[key]])) as Record<K, unknown>;
  const set = required.every((key) => typeof vars[key] === "string" && vars[key] !== "");
  const config = set ? build(vars as Record<K, string>) : undefined;
  if (config !== undefined) return { ok: true, config };
  return { ok: false, retry: { kind: "retry", reason: `${provider} is not configured (${required.join(", ")})`, afterSeconds: UNCONFIGURED_RETRY_SECONDS } };
}
