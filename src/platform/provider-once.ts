import type { ProviderReply } from "./provider";

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

/** One page of a provider's newest-first list, as a lookup reads it. */
export type ListPage<I> = { items: I[]; next: string | null; createdAt: (item: I) => number | undefined };

/**
 * How far a provider's clock may be from ours: an attempt is looked for this much before the
 * earliest time it can have been made (NTP keeps both within a second; Stripe's times are
 * whole seconds).
 */
export const CLOCK_MARGIN_MS = 10_000;

/** How many pages a lookup reads back before calling the answer unknown. */
const LOOKUP_PAGES = 30;

/**
 * Looks an unanswered attempt up in a provider's newest-first list (the carrier's transactions,
 * Twilio's messages, Stripe's recent PaymentIntents): pages from `first` until `match` finds it,
 * an item is older than `since` (less the clock margin: no attempt is older), or the list ends.
 * The list is read from now back, never from a remembered end of the attempts: a try that
 * crashed after the last one noted may have acted too. Past LOOKUP_PAGES the answer is
 * unknown, not "none": wait (and park) rather than act twice.
 */
export async function lookBack<I, T>(lookup: {
  what: string;
  first: string;
  since: string;
  get: (url: string) => Promise<ProviderReply>;
  page: (body: unknown) => ListPage<I>;
  match: (items: I[]) => T | undefined;
}): Promise<Trace<T>> {
  const oldest = Date.parse(lookup.since) - CLOCK_MARGIN_MS;
  let url: string | null = lookup.first;
  for (let page = 0; url; page++) {
    if (page === LOOKUP_PAGES) return { kind: "retryable", reason: `${lookup.what} did not reach ${lookup.since} within ${LOOKUP_PAGES} pages`, afterSeconds: 3600 };
    const reply = await lookup.get(url);
    if (reply.kind === "retryable") return reply;
    // A list the provider refuses is no evidence either way.
    if (reply.kind === "refused") return { kind: "retryable", reason: reply.reason, afterSeconds: 60 };
    const { items, next, createdAt } = lookup.page(reply.body);
    const found = lookup.match(items);
    if (found !== undefined) return { kind: "found", result: found };
    if (items.length === 0 || items.some((item) => (createdAt(item) ?? Infinity) < oldest)) break;
    url = next;
  }
  return { kind: "none" };
}
