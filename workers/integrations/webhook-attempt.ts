import { errorMessage } from "../../src/platform/log";
import { parseRetryAfter } from "../../src/platform/retry";
import { Webhook } from "standardwebhooks";

const ATTEMPT_TIMEOUT_MS = 15_000;
/** Most of a response body ever read; a receiver that streams more is cut off. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** What the deliveries log keeps of a response. */
const SNIPPET_BYTES = 1024;

export type WebhookRequest = { url: string; webhookId: string; body: string; secrets: string[] };

/** What one POST to an endpoint gave: the status (absent when nothing came back), timing, a snippet. */
export type AttemptResult = {
  statusCode?: number;
  latencyMs: number;
  response: string;
  error?: string;
  retryAfterSeconds?: number;
};

const encoder = new TextEncoder();

/**
 * `webhook-signature` per Standard Webhooks: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`
 * with each active secret, space-separated, so receivers keep verifying during a rotation.
 */
function signatureHeader(secrets: string[], webhookId: string, timestamp: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(webhookId, timestamp, body)).join(" ");
}

/** One signed POST: 15 s timeout, redirects not followed, at most 64 KiB of the answer read. */
export async function postWebhook(request: WebhookRequest): Promise<AttemptResult> {
  const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "choreo-webhooks/1.0",
    "webhook-id": request.webhookId,
    "webhook-timestamp": String(timestamp.getTime() / 1000),
    "webhook-signature": signatureHeader(request.secrets, request.webhookId, timestamp, request.body),
  };
  const started = Date.now();
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    const text = await readLimited(response);
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
    return {
      statusCode: response.status,
      latencyMs: Date.now() - started,
      response: truncate(text, SNIPPET_BYTES),
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return { latencyMs: Date.now() - started, response: "", error: timedOut ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : errorMessage(error) };
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_RESPONSE_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= MAX_RESPONSE_BYTES) await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(Math.min(size, MAX_RESPONSE_BYTES));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, all.length - offset);
    all.set(part, offset);
    offset += part.length;
    if (offset >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

/** The first `bytes` bytes of a text, cut on a character boundary. */
function truncate(text: string, bytes: number): string {
  const encoded = encoder.encode(text);
  if (encoded.length <= bytes) return text;
  return new TextDecoder().decode(encoded.subarray(0, bytes)).replace(/\uFFFD$/, "");
}
