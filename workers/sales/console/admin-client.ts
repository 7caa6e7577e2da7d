import type { Context } from "hono";
import type { z } from "zod";

/** Hands a request to the Sales edge's own router: the public admin API, its checks and forwards. */
export type Dispatch = (request: Request, env: SalesEnv, ctx: ExecutionContext | undefined) => Response | Promise<Response>;

export type Problem = { status: number; title: string; detail?: string; errors?: { path: string; message: string }[] };
export type Answer<T> = { ok: true; data: T } | { ok: false; problem: Problem };

/** The admin API refused the console's token: the session is over. */
export class SignedOut extends Error {}

export type AdminApi = {
  get<T>(path: string, schema: z.ZodType<T>): Promise<Answer<T>>;
  send<T>(method: "POST" | "PATCH" | "DELETE", path: string, schema: z.ZodType<T>, body?: unknown): Promise<Answer<T>>;
};

/**
 * The console's only way to data and actions: a request to the same admin API that JSON
 * clients call, with the operator's token, through the same router (rate limits, auth,
 * forwarding to the owning worker). The console renders what it answers.
 */
export function adminApiOf(c: Context, dispatch: Dispatch, token: string): AdminApi {
  let ctx: ExecutionContext | undefined;
  try {
    ctx = c.executionCtx as ExecutionContext;
  } catch {
    ctx = undefined;
  }
  const call = async <T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<Answer<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    // The operator's address, so the admin rate limit counts them as it counts a JSON client.
    const client = c.req.header("cf-connecting-ip");
    if (client) headers["cf-connecting-ip"] = client;
    if (body !== undefined) headers["content-type"] = "application/json";
    const request = new Request(new URL(path, c.req.url), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const response = await dispatch(request, c.env as SalesEnv, ctx);
    if (response.status === 401) throw new SignedOut();
    const json = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok) {
      return { ok: false, problem: { status: response.status, title: String(json?.["title"] ?? response.statusText), ...(json?.["detail"] ? { detail: String(json["detail"]) } : {}), ...(Array.isArray(json?.["errors"]) ? { errors: json["errors"] as Problem["errors"] } : {}) } };
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { ok: false, problem: { status: 502, title: "Unexpected answer from the admin API", detail: `${method} ${path}: ${parsed.error.issues[0]?.message ?? "invalid"}` } };
    return { ok: true, data: parsed.data };
  };
  return { get: (path, schema) => call("GET", path, schema), send: (method, path, schema, body) => call(method, path, schema, body) };
}
