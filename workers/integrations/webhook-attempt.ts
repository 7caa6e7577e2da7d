import { exchange } from "../../src/platform/provider";
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

/** One signed POST through the providers' exchange: 15 s timeout, redirects not followed, at most 64 KiB of the answer read. */
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
  const answer = await exchange(request.url, { method: "POST", headers, body: request.body }, { timeoutMs: ATTEMPT_TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES });
  const latencyMs = Date.now() - started;
  if (answer.kind === "unreachable") {
    return { latencyMs, response: "", error: answer.timedOut ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : answer.error };
  }
  return {
    statusCode: answer.status,
    latencyMs,
    response: truncate(answer.text, SNIPPET_BYTES),
    ...(answer.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: answer.retryAfterSeconds }),
  };
}

/** The first `bytes` bytes of a text, cut on a character boundary. */
function truncate(text: string, bytes: number): string {
  const encoded = encoder.encode(text);
  if (encoded.length <= bytes) return text;
  return new TextDecoder().decode(encoded.subarray(0, bytes)).replace(/\uFFFD$/, "");
}
