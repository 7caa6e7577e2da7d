// What the integrations tests need from the sandbox and the admin API.
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import { sandboxClient, type Recorded } from "../../test/fixtures/sandbox";

export const e = env as IntegrationsEnv;
export const sandbox = inject("sandboxUrl");
const client = sandboxClient(sandbox);
export type { Recorded };

export const requestsTo = async (provider: "ses" | "twilio" | "webhooks", match: (r: Recorded) => boolean = () => true): Promise<Recorded[]> =>
  (await client.requests(provider)).filter(match);
export const sandboxObjects = <T = any>(kind: "email" | "sms"): Promise<T[]> => client.objects<T>(kind);
export const fault = async (body: Record<string, unknown>): Promise<void> => void (await client.fault(body));

/** Calls the worker's admin API as an admin; like every client, declares JSON on each POST, body or not. */
export async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await (exports as unknown as { default: Fetcher }).default.fetch(`https://integrations${path}`, {
    method,
    headers: { authorization: "Bearer test-admin-token", ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : null };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
