import { done, retry, type Outcome } from "../../src/platform/outcome";
import { checkEndpointHost, type HostVerdict } from "./endpoint-dns";
import { checkEndpointUrl, type UrlPolicy } from "./endpoint-url";
import { postWebhook, type AttemptResult } from "./webhook-attempt";
import type { WebhookRegistry } from "./webhook-registry";

export type UrlPolicyVars = { WEBHOOK_ALLOWED_PORTS?: string; WEBHOOK_ALLOW_LOCAL_HTTP?: string; DOH_URL?: string };

/** The SSRF policy from the worker's vars. */
export function urlPolicy(vars: UrlPolicyVars): UrlPolicy {
  return {
    allowedPorts: (vars.WEBHOOK_ALLOWED_PORTS ?? "").split(",").map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0),
    allowLocalHttp: vars.WEBHOOK_ALLOW_LOCAL_HTTP === "true",
  };
}

/** The whole SSRF guard: the URL itself, then every address its host name resolves to now. */
export async function vetEndpointUrl(raw: string, vars: UrlPolicyVars): Promise<{ ok: true; url: string } | Exclude<HostVerdict, { ok: true }>> {
  const verdict = checkEndpointUrl(raw, urlPolicy(vars));
  if (!verdict.ok) return verdict;
  const host = await checkEndpointHost(verdict.url, vars.DOH_URL ?? "");
  return host.ok ? verdict : host;
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
  // Checked again before every attempt: the policy may have tightened, and the name may point elsewhere now.
  const verdict = await vetEndpointUrl(start.request.url, vars);
  const result: AttemptResult = verdict.ok
    ? await postWebhook(start.request)
    : { latencyMs: 0, response: "", error: verdict.unavailable ? verdict.reason : `URL refused: ${verdict.reason}` };
  return registry.finishAttempt(deliveryId, result, options);
}
