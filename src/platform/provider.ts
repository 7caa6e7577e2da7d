import { errorMessage } from "./log";
import { parseRetryAfter } from "./retry";

/**
 * The result of one call to an external provider, sorted by what the caller should do:
 * use the answer, try again later (429, 5xx, timeouts, network), or stop (any other 4xx).
 */
export type ProviderReply =
  | { kind: "ok"; status: number; body: unknown; headers: Headers }
  | { kind: "retryable"; reason: string; afterSeconds?: number }
  | { kind: "refused"; status: number; body: unknown; reason: string; headers: Headers };

export const DEFAULT_TIMEOUT_MS = 15_000;
const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** One HTTP call with a timeout; never throws. `name` labels the reasons for logs and DLQs. */
export async function callProvider(
  name: string,
  url: string,
  init: RequestInit,
  options: { timeoutMs?: number; fetcher?: typeof fetch } = {},
): Promise<ProviderReply> {
  let response: Response;
  try {
    response = await (options.fetcher ?? fetch)(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: "retryable", reason: `${name} unreachable: ${errorMessage(error)}` };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (response.ok) return { kind: "ok", status: response.status, body, headers: response.headers };
  const reason = `${name} answered ${response.status}: ${summarize(body)}`;
  if (RETRYABLE_STATUS.has(response.status)) {
    const afterSeconds = parseRetryAfter(response.headers.get("retry-after"));
    return afterSeconds === undefined ? { kind: "retryable", reason } : { kind: "retryable", reason, afterSeconds };
  }
  return { kind: "refused", status: response.status, body, reason, headers: response.headers };
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
