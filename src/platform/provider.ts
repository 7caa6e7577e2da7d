import { errorMessage } from "./log";
import { parseRetryAfter } from "./retry";

/**
 * The result of one call to an external provider, sorted by what the caller should do:
 * use the answer, try again later (429, 5xx, timeouts, network), or stop (any other 4xx).
 */
export type ProviderReply =
  | { kind: "ok"; status: number; body: unknown; headers: Headers }
  /** `maybeActed`: the provider may have done the work (no answer, 500, 502, 504), as opposed to a clear "not now" (429, 503). */
  | { kind: "retryable"; reason: string; afterSeconds?: number; maybeActed: boolean }
  | { kind: "refused"; status: number; body: unknown; reason: string; headers: Headers };

export const DEFAULT_TIMEOUT_MS = 15_000;
const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);
/** Answers that say the request was not worked on: throttled, busy, not ready. */
const NOT_ACTED_STATUS = new Set([408, 409, 425, 429, 503]);

/** What one HTTP exchange gave: an answer (its body as text), or why none came. */
export type Exchange =
  | { kind: "answered"; status: number; headers: Headers; text: string; retryAfterSeconds?: number }
  | { kind: "unreachable"; error: string; timedOut: boolean };

export type ExchangeOptions = {
  timeoutMs?: number;
  fetcher?: typeof fetch;
  /** Read at most this much of the body and cancel the rest (a receiver we do not trust). */
  maxResponseBytes?: number;
};

/** One HTTP call with a timeout, redirects not followed; never throws. Callers judge the answer. */
export async function exchange(url: string, init: RequestInit, options: ExchangeOptions = {}): Promise<Exchange> {
  try {
    const response = await (options.fetcher ?? fetch)(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const text = options.maxResponseBytes === undefined ? await response.text() : await readLimited(response, options.maxResponseBytes);
    const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"));
    return { kind: "answered", status: response.status, headers: response.headers, text, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  } catch (error) {
    return { kind: "unreachable", error: errorMessage(error), timedOut: error instanceof DOMException && error.name === "TimeoutError" };
  }
}

/** One call to a provider, sorted by what to do next. `name` labels the reasons for logs and DLQs. */
export async function callProvider(name: string, url: string, init: RequestInit, options: ExchangeOptions = {}): Promise<ProviderReply> {
  const answer = await exchange(url, init, options);
  if (answer.kind === "unreachable") return { kind: "retryable", reason: `${name} unreachable: ${answer.error}`, maybeActed: true };
  const { status, headers, text } = answer;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (status >= 200 && status < 300) return { kind: "ok", status, body, headers };
  const reason = `${name} answered ${status}: ${summarize(body)}`;
  if (RETRYABLE_STATUS.has(status)) {
    const maybeActed = !NOT_ACTED_STATUS.has(status);
    return answer.retryAfterSeconds === undefined ? { kind: "retryable", reason, maybeActed } : { kind: "retryable", reason, afterSeconds: answer.retryAfterSeconds, maybeActed };
  }
  return { kind: "refused", status, body, reason, headers };
}

/** At most `limit` bytes of a body, decoded as UTF-8; a longer stream is cancelled. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= limit) await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, all.length - offset);
    all.set(part, offset);
    offset += part.length;
    if (offset >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

function summarize(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

type FormValue = string | number | boolean | undefined | FormValue[] | { [key: string]: FormValue };

/** Stripe- and Twilio-style form encoding: nested objects become `a[b]=c`, arrays `a[0]=c`. */
export function formEncode(values: Record<string, FormValue>): string {
  const params = new URLSearchParams();
  const add = (key: string, value: FormValue) => {
    if (value === undefined) return;
    if (Array.isArray(value)) value.forEach((v, i) => add(`${key}[${i}]`, v));
    else if (typeof value === "object") for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else params.append(key, String(value));
  };
  for (const [key, value] of Object.entries(values)) add(key, value);
  return params.toString();
}
