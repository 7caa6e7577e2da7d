import { done, retry, type Outcome } from "../../src/platform/outcome";
import { checkEndpointUrl, type UrlPolicy } from "./endpoint-url";
import { postWebhook, type AttemptResult } from "./webhook-attempt";
import type { WebhookRegistry } from "./webhook-registry";

export type UrlPolicyVars = { WEBHOOK_ALLOWED_PORTS?: string; WEBHOOK_ALLOW_LOCAL_HTTP?: string };

/** The SSRF policy from the worker's vars. */
export function urlPolicy(vars: UrlPolicyVars): UrlPolicy {
  return {
    allowedPorts: (vars.WEBHOOK_ALLOWED_PORTS ?? "").split(",").map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0),
    allowLocalHttp: vars.WEBHOOK_ALLOW_LOCAL_HTTP === "true",
  };
}

/**
 * One attempt of one delivery: the registry says what to send, the POST happens here (not
 * inside the registry object), and the registry records it and decides the next step.
 */
export async function deliverWebhook(
  registry: DurableObjectStub<WebhookRegistry>,
  deliveryId: string,
  vars: UrlPolicyVars,
  options: { retries?: boolean } = {},
): Promise<Outcome> {
  const start = await registry.startAttempt(deliveryId);
  if (start.kind === "skip") return done(start.note);
  if (start.kind === "wait") return retry(start.reason, start.afterSeconds);
  // Checked again at send time: the policy may have tightened since the endpoint was saved.
  const verdict = checkEndpointUrl(start.request.url, urlPolicy(vars));
  const result: AttemptResult = verdict.ok
    ? await postWebhook(start.request)
    : { latencyMs: 0, response: "", error: `URL refused: ${verdict.reason}` };
  return registry.finishAttempt(deliveryId, result, options);
}
