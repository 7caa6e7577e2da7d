import { env } from "cloudflare:workers";
import worker from "./index";

export const ADMIN = { authorization: "Bearer test-admin-token" };
/** The header an order's customer acts with: its client secret from the placement response. */
export const asCustomer = (clientSecret: string) => ({ authorization: `Bearer ${clientSecret}` });

/** Calls the Sales worker's real fetch handler, as the edge would. */
export async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const request = new Request(`https://shop.example.com${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const response = await worker.fetch(request, env as SalesEnv, {
    waitUntil: () => {},
    passThroughOnException: () => {},
    props: {},
  } as unknown as ExecutionContext);
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export async function seedProduct(sku: string, price = 1500, currency = "USD") {
  const res = await call("PUT", `/admin/products/${sku}`, { name: `Product ${sku}`, price, currency }, ADMIN);
  if (res.status >= 300) throw new Error(`seed failed: ${res.text}`);
}
