/** Cloudflare Queues refuse a `delaySeconds` above 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/** The longest backoff between two tries, unless a consumer or step sets its own. */
export const MAX_BACKOFF_SECONDS = 3_600;

export type BackoffOptions = { baseSeconds?: number; maxSeconds?: number; random?: () => number };

/**
 * Exponential backoff with "equal jitter": half the window is fixed, half random, so
 * retries of a batch that failed together spread out instead of stampeding back.
 */
export function backoffSeconds(attempts: number, options: BackoffOptions = {}): number {
  const { baseSeconds = 2, maxSeconds = MAX_BACKOFF_SECONDS, random = Math.random } = options;
  const window = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempts - 1));
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.round(window / 2 + random() * (window / 2))));
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(MAX_QUEUE_DELAY_SECONDS, Number(trimmed));
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000)));
}
