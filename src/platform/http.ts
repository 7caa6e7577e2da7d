import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { adminOnly } from "./auth";
import type { Context, Env, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { errorMessage, log } from "./log";
import { fieldsOf, Problem, validationProblem } from "./problem";

export const MAX_BODY_BYTES = 64 * 1024;

/** `application/json` or `application/<x>+json`, with parameters written as `; name=value` (no space before the `;`). */
const JSON_CONTENT_TYPE = /^application\/([a-z.+-]*\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
const unsupportedMediaType = () => new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the body as application/json (optionally `; charset=utf-8`).");
/** Whether the request carries a body (a bodiless command such as POST /orders/:id/cancel has none). */
const hasBody = (c: Context) => c.req.raw.body !== null && c.req.header("content-length") !== "0";

/**
 * A route whose JSON body is required refuses a request without one (422 on the root). The
 * validator would check `{}` in its place, and to some routes `{}` is a valid command: a bodiless
 * POST /admin/reports/rebuild emptied the read model and rebuilt it.
 */
const bodyRequired: MiddlewareHandler = async (c, next) => {
  if (!hasBody(c)) throw validationProblem([{ path: "(root)", message: "a JSON body is required" }], "The request has no body.");
  await next();
};

/**
 * An OpenAPI-documented Hono app whose every failure is RFC 9457 problem+json: validation
 * errors list the failing fields, unknown routes are 404, thrown errors are 500 and logged.
 */
export function createApi<E extends Env>(): OpenAPIHono<E> {
  const app = new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return validationProblem(fieldsOf(result.error)).toResponse(new URL(c.req.url).pathname);
      }
    },
  });
  // Every answer: no content sniffing; nothing an admin or a signed-in caller sees is cached anywhere.
  app.use("*", async (c, next) => {
    await next();
    let res = c.res;
    try {
      res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      // A response passed through from a service binding has immutable headers: copied, only then.
      res = c.res = new Response(res.body, res);
      res.headers.set("X-Content-Type-Options", "nosniff");
    }
    if (c.req.path.startsWith("/admin/") || c.req.header("authorization")) res.headers.set("Cache-Control", "no-store");
  });
  // Every route declaring a required JSON body checks that there is one, before its validators.
  const register = app.openapi;
  app.openapi = ((route: RouteConfig, ...rest: [never, never?]) =>
    register(route.request?.body?.required ? { ...route, middleware: [bodyRequired, ...[route.middleware ?? []].flat()] } : route, ...rest)) as typeof app.openapi;
  app.onError((error, c) => problemFor(error, c));
  app.notFound((c) =>
    new Problem(404, "not-found", "Not found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`).toResponse(
      new URL(c.req.url).pathname,
    ),
  );
  return app;
}

function problemFor(error: unknown, c: Context): Response {
  const instance = new URL(c.req.url).pathname;
  if (error instanceof Problem) return error.toResponse(instance);
  if (error instanceof HTTPException) {
    if (error.status === 400) {
      return new Problem(400, "malformed-body", "Malformed request body", error.message || "The body is not valid JSON.").toResponse(instance);
    }
    if (error.status === 415) return unsupportedMediaType().toResponse(instance);
    return new Problem(error.status, "http-error", error.message || "Request failed").toResponse(instance);
  }
  log("error", "unhandled error", { path: instance, method: c.req.method, error: errorMessage(error) });
  return new Problem(500, "internal-error", "Internal server error", "Something went wrong on our side; it was logged.").toResponse(instance);
}

/**
 * Guards for endpoints that take a JSON body: 415 unless the body is declared as JSON,
 * 413 past `maxBytes`, both before anything is parsed or stored.
 */
export function jsonBodyOnly(maxBytes = MAX_BODY_BYTES): MiddlewareHandler[] {
  const contentType: MiddlewareHandler = async (c, next) => {
    // A bodiless command (POST /orders/:id/cancel) needs no content type.
    if (["POST", "PUT", "PATCH"].includes(c.req.method) && hasBody(c)) {
      // The rule the OpenAPI validator applies after this: one rule, one problem for every refusal.
      if (!JSON_CONTENT_TYPE.test(c.req.header("content-type") ?? "")) throw unsupportedMediaType();
    }
    await next();
  };
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new Problem(413, "body-too-large", "Request body too large", `The body must be at most ${maxBytes} bytes.`);
    },
  });
  return [contentType, limit];
}

/** The RFC 9457 body every error has, as documented in each OpenAPI document. */
export const ProblemDetails = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

/** An OpenAPI response entry for an error status. */
export const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemDetails } },
});

/**
 * The admin API of a worker behind the Sales edge: a health check, `/admin/*` only with
 * the admin token (checked before anything else, so strangers learn nothing), JSON bodies.
 */
export function createAdminApi<E extends { Bindings: { ADMIN_TOKEN?: string } }>(service: string): OpenAPIHono<E> {
  const app = createApi<E>();
  app.get("/health", (c) => c.json({ ok: true, service }));
  app.use("/admin/*", adminOnly);
  app.use("*", ...jsonBodyOnly());
  return app;
}

export { fieldsOf, Problem, validationProblem };
