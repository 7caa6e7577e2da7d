import { rateLimitedResponse } from "./rate-limits";

/** Admin APIs of other workers, reachable through the public edge over service bindings. */
export const FORWARDED = [
  { prefix: "/admin/stock", binding: "WAREHOUSE" },
  { prefix: "/admin/webhooks", binding: "INTEGRATIONS" },
  { prefix: "/admin/notifications", binding: "INTEGRATIONS" },
  { prefix: "/admin/dead-letters", binding: "DEAD_LETTER_ARCHIVE" },
  { prefix: "/admin/reports", binding: "PROJECTIONS" },
  { prefix: "/admin/lake", binding: "PROJECTIONS" },
] as const;

export type ForwardedBinding = (typeof FORWARDED)[number]["binding"];

type Document = {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  [key: string]: unknown;
};

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);
const underPrefix = (path: string, prefixes: readonly string[]) => prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * One OpenAPI document for everything served on the public edge: Sales' own routes plus the
 * admin routes it forwards, taken from each worker's generated document (so none is written by
 * hand). Admin operations carry the bearer security scheme. A worker that cannot be reached
 * leaves its routes out until the next try; the rest is still served.
 */
export async function publicApiDocument(own: Document, fetchDocument: (binding: ForwardedBinding) => Promise<Document | undefined>): Promise<{ document: Document; complete: boolean }> {
  const paths = { ...own.paths };
  const schemas = { ...own.components?.schemas };
  let complete = true;
  const bindings = [...new Set(FORWARDED.map((forward) => forward.binding))];
  const documents = await Promise.all(bindings.map(async (binding) => ({ binding, document: await fetchDocument(binding).catch(() => undefined) })));
  for (const { binding, document } of documents) {
    if (!document) {
      complete = false;
      continue;
    }
    const prefixes = FORWARDED.filter((forward) => forward.binding === binding).map((forward) => forward.prefix);
    // Two workers may name different schemas alike: theirs is renamed, with every reference to it.
    const theirs = document.components?.schemas ?? {};
    const renamed = new Map(
      Object.entries(theirs)
        .filter(([name, schema]) => name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(schema))
        .map(([name]) => [name, `${binding}_${name}`]),
    );
    const rename = <T>(value: T): T => {
      let text = JSON.stringify(value);
      for (const [from, to] of renamed) text = text.replaceAll(`"#/components/schemas/${from}"`, `"#/components/schemas/${to}"`);
      return JSON.parse(text) as T;
    };
    Object.assign(paths, rename(Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => underPrefix(path, prefixes)))));
    for (const [name, schema] of Object.entries(theirs)) schemas[renamed.get(name) ?? name] ??= rename(schema);
  }
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.startsWith("/admin/")) continue;
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      operation["security"] ??= [{ adminToken: [] }];
      // The edge counts every admin request per client address before forwarding it.
      const responses = (operation["responses"] ??= {}) as Record<string, unknown>;
      responses["429"] ??= rateLimitedResponse("Too many admin requests from this client address");
    }
  }
  const document: Document = {
    ...own,
    paths,
    components: { ...own.components, schemas, securitySchemes: { ...own.components?.securitySchemes, adminToken: { type: "http", scheme: "bearer" } } },
  };
  return { document, complete };
}
