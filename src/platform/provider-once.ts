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
 * How far a provider's clock may be from ours either way: an attempt is looked for this much
 * before the earliest and after the latest time it can have been made (NTP keeps both within
 * a second; Stripe's times are whole seconds).
 */
export const CLOCK_MARGIN_MS = 10_000;

/** How many pages of the attempts' own time window a lookup reads before calling the answer unknown. */
export const LOOKUP_PAGES = 30;

/** A lookup's time window: no attempt is older than `since` nor newer than `until` (default: now). */
export type AttemptWindow = { since: string; until?: string };

type Lookup<I, T> = AttemptWindow & {
  what: string;
  first: string;
  /**
   * Page `n` (from 1) of a list numbered by pages (Shippo's): the lookup then halves its way
   * past what is newer than `until` instead of reading it page by page.
   */
  pageAt?: (n: number) => string;
  get: (url: string) => Promise<ProviderReply>;
  page: (body: unknown) => ListPage<I>;
  match: (items: I[]) => T | undefined;
};

/**
 * Looks an unanswered attempt up in a provider's newest-first list (the carrier's transactions,
 * Twilio's messages, Stripe's recent PaymentIntents): from the newest page that can hold it,
 * until `match` finds it, an item is older than the window, or the list ends. Its cost depends
 * on how many items fall inside the attempts' window, not on how many came after, so a lookup
 * made an hour late in a busy shop costs what one made at once does. Past LOOKUP_PAGES in the
 * window the answer is unknown, not "none": wait (and park) rather than act twice.
 */
export async function lookBack<I, T>(lookup: Lookup<I, T>): Promise<Trace<T>> {
  const oldest = Date.parse(lookup.since) - CLOCK_MARGIN_MS;
  const newest = lookup.until === undefined ? Infinity : Date.parse(lookup.until) + CLOCK_MARGIN_MS;
  const read = async (url: string): Promise<ListPage<I> | ProviderRetry> => {
    const reply = await lookup.get(url);
    if (reply.kind === "retryable") return reply;
    // A list the provider refuses is no evidence either way.
    if (reply.kind === "refused") return { kind: "retryable", reason: reply.reason, afterSeconds: 60 };
    return lookup.page(reply.body);
  };
  const isRetry = (read: ListPage<I> | ProviderRetry): read is ProviderRetry => "kind" in read;

  let start: { url: string; page?: ListPage<I> } = { url: lookup.first };
  if (lookup.pageAt && newest !== Infinity) {
    const skipped = await skipNewer(lookup.pageAt, newest, read, isRetry, lookup.match);
    if ("kind" in skipped) return skipped;
    start = skipped;
  }
  let url: string | null = start.url;
  let known = start.page;
  for (let page = 0; url; page++) {
    if (page === LOOKUP_PAGES) return { kind: "retryable", reason: `${lookup.what} did not reach ${lookup.since} within ${LOOKUP_PAGES} pages`, afterSeconds: 3600 };
    const listed: ListPage<I> | ProviderRetry = known ?? (await read(url));
    known = undefined;
    if (isRetry(listed)) return listed;
    const found = lookup.match(listed.items);
    if (found !== undefined) return { kind: "found", result: found };
    if (listed.items.length === 0 || listed.items.some((item) => (listed.createdAt(item) ?? Infinity) < oldest)) break;
    url = listed.next;
  }
  return { kind: "none" };
}

/**
 * The first page whose oldest item is no newer than `newest` (or the list's end): pages 1, 2, 4 …
 * until one reaches back that far, then halving between the last two. Each page read is matched
 * too, so an attempt found on the way is found.
 */
async function skipNewer<I, T>(
  pageAt: (n: number) => string,
  newest: number,
  read: (url: string) => Promise<ListPage<I> | ProviderRetry>,
  isRetry: (read: ListPage<I> | ProviderRetry) => read is ProviderRetry,
  match: (items: I[]) => T | undefined,
): Promise<{ url: string; page: ListPage<I> } | Trace<T>> {
  const reaches = (page: ListPage<I>) => page.items.length === 0 || (page.createdAt(page.items.at(-1)!) ?? -Infinity) <= newest;
  let newer = 0;
  let reached: { n: number; page: ListPage<I> } | undefined;
  /** Reads page n and moves one bound to it; a trace when that settles the lookup. */
  const probe = async (n: number): Promise<Trace<T> | undefined> => {
    const page = await read(pageAt(n));
    if (isRetry(page)) return page;
    const found = match(page.items);
    if (found !== undefined) return { kind: "found", result: found };
    if (reaches(page)) reached = { n, page };
    else newer = n;
    return undefined;
  };
  for (let n = 1; !reached; n *= 2) {
    const settled = await probe(n);
    if (settled) return settled;
  }
  while (reached.n - newer > 1) {
    const settled = await probe(Math.floor((newer + reached.n) / 2));
    if (settled) return settled;
  }
  return { url: pageAt(reached.n), page: reached.page };
}
