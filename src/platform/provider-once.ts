/** A provider's "try again later", as every provider client answers it. */
export type ProviderRetry = { kind: "retryable"; reason: string; afterSeconds?: number };

/** What looking an earlier attempt up at the provider found. */
export type Trace<T> = { kind: "found"; result: T } | { kind: "none" } | ProviderRetry;

export type OnceCall<T> = {
  /** An earlier attempt may have reached the provider without its answer reaching us. */
  uncertain: boolean;
  /** Finds that attempt's effect at the provider; absent where the provider offers no way (then: at least once). */
  lookUp?: () => Promise<Trace<T>>;
  perform: () => Promise<T>;
};

/**
 * The one way choreo keeps a provider from acting twice for one order. The provider's own key
 * dedupes retries where it has one (Stripe's Idempotency-Key, a webhook's id); beyond that,
 * an attempt whose outcome is unknown (no answer, a crash before the write, a replay after the
 * key expired) is looked up at the provider first, and the call is made again only when it
 * left no trace. Nothing is written before the call, so the common path costs no extra row.
 */
export async function callOnce<T>(call: OnceCall<T>): Promise<T | ProviderRetry> {
  if (call.uncertain && call.lookUp) {
    const trace = await call.lookUp();
    if (trace.kind === "found") return trace.result;
    if (trace.kind === "retryable") return trace;
  }
  return call.perform();
}

/** True once `since` is more than `seconds` ago: a provider's idempotency key made then may be gone. */
export const outlived = (since: string, seconds: number, now: number): boolean => now - Date.parse(since) > seconds * 1000;
