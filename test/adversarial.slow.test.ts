import net from "node:net";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { WORKERS } from "../scripts/workers.mjs";
import { ORDER_ID } from "../src/contracts/values";
import { MAX_BODY_BYTES } from "../src/platform/http";
import type { ObjectKind, Provider } from "./fixtures/sandbox";
import { placeOrderBody } from "./fixtures/orders";
import { ADMIN_TOKEN, ROOT, startStack, type Stack } from "./stack";

// Adversarial requests at every route of the served OpenAPI document (so a new route is covered
// as soon as it is documented): malformed, oversized (> 1 MB, with and without Content-Length),
// deeply nested (1,000+ levels) and mistyped bodies, bodies a field away from valid, prototype-
// pollution keys, odd content types, junk and well-formed-but-unknown path ids, long query
// strings and cursors, odd headers (control characters, non-ASCII bytes, garbage credentials).
// Every answer must be 2xx or 4xx, every 4xx RFC 9457 problem+json, and nothing may be stored,
// charged, sent or published. The seed is printed; ADVERSARIAL_SEED and ADVERSARIAL_RUNS
// (requests per route) change it.
const SEED = Number(process.env.ADVERSARIAL_SEED ?? 20_261_111);
const RUNS = Number(process.env.ADVERSARIAL_RUNS ?? 40);

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const PROVIDERS: Provider[] = ["stripe", "carrier", "ses", "twilio", "webhooks", "dns"];
const OBJECT_KINDS: ObjectKind[] = ["payment_intent", "refund", "label", "label_refund", "email", "sms"];

type Param = { name: string; in: "path" | "query" | "header"; schema: Record<string, any> };
type Route = {
  method: string;
  template: string;
  operation: Record<string, any>;
  params: Param[];
  /** Only with credentials (admin token, or the order's secret): no `{}` among its security requirements. */
  guarded: boolean;
  /** The JSON body schema, compiled; undefined for routes that take no body. */
  validate?: ValidateFunction;
  /** A body the schema accepts, the start of every field-by-field mutation (never sent as is). */
  valid?: unknown;
  /** Methods the document has no operation for at this path. */
  otherMethods: string[];
};

/** Valid bodies of today's routes; a new route starts from its schema's example (or `{}`). */
const VALID_BODIES: Record<string, unknown> = {
  "POST /orders": placeOrderBody({ paymentMethod: "pm_card_visa" }),
  "PUT /admin/products/{sku}": { name: "Choreo mug", price: 1500, currency: "USD" },
  "PUT /admin/stock/{sku}": { available: 7, weightGrams: 350 },
  "PATCH /admin/webhooks/endpoints/{id}": { description: "ERP", eventTypes: ["order.placed.v1"], enabled: false },
  "POST /admin/webhooks/endpoints/{id}/replay": { since: "2026-01-01T00:00:00Z" },
  "POST /admin/dead-letters/replay": { queue: "billing", type: "order.placed.v1", since: "2026-01-01T00:00:00Z" },
  "POST /admin/reports/rebuild": { cursor: "events/" },
};

function routesOf(document: any): Route[] {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: "openapi" });
  const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
  const resolve = (schema: any): any => (schema?.$ref ? resolve(schema.$ref.split("/").slice(1).reduce((node: any, key: string) => node[key], document)) : schema);
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([template, operations]) =>
    Object.entries(operations)
      .filter(([method]) => (METHODS as readonly string[]).includes(method.toUpperCase()))
      .map(([method, operation]) => {
        const schema = operation.requestBody?.content?.["application/json"]?.schema;
        const id = `${method.toUpperCase()} ${template}`;
        return {
          method: method.toUpperCase(),
          template,
          operation,
          params: (operation.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: resolve(p.schema) ?? {} })),
          guarded: Array.isArray(operation.security) && operation.security.length > 0 && !operation.security.some((s: object) => Object.keys(s).length === 0),
          ...(schema
            ? {
                validate: ajv.compile({ $ref: `openapi#/${pointer("paths", template, method, "requestBody", "content", "application/json", "schema")}` }),
                valid: VALID_BODIES[id] ?? resolve(schema).example ?? {},
              }
            : {}),
          otherMethods: METHODS.filter((m) => !operations[m.toLowerCase()]),
        };
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// What is thrown

type Change =
  | { kind: "replace"; value: unknown }
  | { kind: "delete" }
  | { kind: "addKey"; key: string; value: unknown }
  | { kind: "wrap" }
  | { kind: "numberAsString" }
  | { kind: "control"; char: string }
  | { kind: "long"; n: number }
  | { kind: "repeat"; n: number }
  | { kind: "deep"; depth: number; shape: "array" | "object" };

/** Built when sent, so a counterexample stays readable (no megabyte strings in it). */
type BodySpec =
  | { kind: "none" }
  | { kind: "mutated"; at: number; change: Change }
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "deep"; depth: number; shape: "array" | "object" }
  | { kind: "oversized"; bytes: number; shape: "string" | "array" | "items"; streamed: boolean };

type PathValue = { text: string; raw?: boolean };
type QueryPart = { key: string; value: string } | { raw: string };
type Credentials = "admin" | "none" | "wrong";
type Request = {
  method: string;
  path: Record<string, PathValue>;
  query: QueryPart[];
  headers: [string, string][];
  authorization: string | undefined;
  body: BodySpec;
};

const encoder = new TextEncoder();
/** Percent-encodes the UTF-8 bytes of any string, lone surrogates too (encodeURIComponent throws on those). */
const encode = (text: string) => Array.from(encoder.encode(text), (b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");

const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "hasOwnProperty", "toString", "valueOf", "then", "isAdmin"];
const pollutionKey = fc.constantFrom(...POLLUTION_KEYS);
/** Control characters, U+0001–U+001F and U+007F (header values lose NUL, CR and LF: see headerValue). */
const controlChar = fc.constantFrom(...Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)), "\u007f");

/** An object with these keys as its own properties, `__proto__` included (as JSON.parse makes them). */
function own(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  // Inside the text, where trimming cannot take it away.
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ unit: controlChar, minLength: 1, maxLength: 3 })).map(([text, control]) => `a${text}${control}z`),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom(
    "", " ", "null", "undefined", "NaN", "-1", "0", "1e309", "9007199254740993", "true", "[]", "{}", ...POLLUTION_KEYS, "../../etc/passwd",
    "'; DROP TABLE orders; --", "<script>alert(1)</script>", "\u202e\u0000\ufeff", "😀".repeat(100), "ß".repeat(300), "\ud800",
  ),
);
/**
 * Long text (cursors, names, ids), at most `max` bytes once percent-encoded: URLs stay under the
 * 64 KiB that workerd lets through to a Worker (past it the runtime itself answers a plain 414 or
 * 500, before any Worker runs; Cloudflare's edge refuses URLs far shorter than that).
 */
const long = (max: number) =>
  fc.tuple(fc.integer({ min: 256, max }), fc.constantFrom("A", "%", "é", "😀", "=")).map(([n, char]) => char.repeat(Math.max(1, Math.floor(n / encode(char).length))));
const junkJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.tuple(fc.oneof(pollutionKey, fc.string({ maxLength: 10 })), fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }).map(own),
);
/** A value where another belongs: mistyped, empty, absurd. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 53 + 1, 1e308, -0, 0.5),
  fc.integer().map(String),
  nasty,
  fc.constantFrom([], {}, [null], [[]]),
  junkJson,
);
const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 4, arbitrary: wrongValue.map((value) => ({ kind: "replace" as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("addKey" as const), key: fc.oneof(pollutionKey, fc.string({ maxLength: 12 })), value: wrongValue }) },
  { weight: 1, arbitrary: fc.constant({ kind: "wrap" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "numberAsString" as const }) },
  { weight: 2, arbitrary: controlChar.map((char) => ({ kind: "control" as const, char })) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 60_000 }).map((n) => ({ kind: "long" as const, n })) },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 3_000 }).map((n) => ({ kind: "repeat" as const, n })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deep" as const), depth: fc.integer({ min: 1_000, max: 3_000 }), shape: fc.constantFrom("array" as const, "object" as const) }) },
);

function malformed(base: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.nat().map((k) => base.slice(0, k % base.length)),
    fc.tuple(fc.nat(), fc.string({ unit: "binary", minLength: 1, maxLength: 4 })).map(([k, junk]) => base.slice(0, k % base.length) + junk + base.slice(k % base.length)),
    fc.constantFrom(
      `${base},`, base.replace("{", "{,"), base.replaceAll('"', "'"), `\ufeff${base}`, `${base}\u0000`, `/* c */${base}`, `${base}${base}`,
      "[1,2,", '{"a":}', "nul", "tru", '"unterminated', '{"a":1}}', "NaN", "Infinity", "-", "01", '{"a":1e99999}', "\ud800",
      "a=1&b=2", "customer[name]=Ada&items[0][sku]=MUG-001&items[0][quantity]=1", '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    ),
  );
}

function bodyFor(route: Route): fc.Arbitrary<BodySpec> {
  const base = JSON.stringify(route.valid ?? { a: 1 });
  const polluted = fc.tuple(fc.subarray(["__proto__", "constructor", "prototype"], { minLength: 1 }), junkJson).map(([keys, value]) => ({
    kind: "text" as const,
    text: `{${keys.map((key) => `"${key}":${JSON.stringify(value) ?? "null"}`).join(",")}${base.length > 2 ? `,${base.slice(1)}` : "}"}`,
  }));
  return fc.oneof(
    ...(route.valid === undefined ? [] : [{ weight: 6, arbitrary: fc.record({ kind: fc.constant("mutated" as const), at: fc.nat(), change }) }]),
    { weight: 2, arbitrary: junkJson.map((value) => ({ kind: "json" as const, value })) },
    { weight: 2, arbitrary: malformed(base).map((text) => ({ kind: "text" as const, text })) },
    { weight: 1, arbitrary: polluted },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("deep" as const), depth: fc.integer({ min: 1_000, max: 10_000 }), shape: fc.constantFrom("array" as const, "object" as const) }) },
    {
      weight: 1,
      // Over 1 MB with Content-Length. Without one (chunked) up to 256 KiB, sent with no other
      // request in flight: chunked bodies of megabytes, or several at once, answered 413 while
      // still arriving, are sometimes dropped by wrangler's local dev proxy in front of the Worker
      // ("Error inside ProxyWorker … Network connection lost": a plain 500, or a reset connection).
      arbitrary: fc.oneof(
        fc.record({ bytes: fc.integer({ min: 1_048_577, max: 3_000_000 }), streamed: fc.constant(false) }),
        fc.record({ bytes: fc.integer({ min: MAX_BODY_BYTES + 1, max: 4 * MAX_BODY_BYTES }), streamed: fc.constant(true) }),
      ).chain(({ bytes, streamed }) =>
        fc.constantFrom("string" as const, "array" as const, "items" as const).map((shape) => ({ kind: "oversized" as const, bytes, shape, streamed })),
      ),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  );
}

/** A value of the parameter's own shape: its enum, pattern, example's shape, format or range. */
function wellFormed(schema: Record<string, any>): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum.map(String));
  if (typeof schema.pattern === "string") return fc.stringMatching(new RegExp(schema.pattern));
  if (typeof schema.example === "string") {
    // An id like the example (`ord_01JD…`): same prefix, another ULID.
    const [, prefix = "", rest = ""] = /^(.*?)([0-9A-Z]*)$/.exec(schema.example) ?? [];
    return fc.oneof(fc.constant(schema.example), fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHJKMNPQRSTVWXYZ"), minLength: rest.length, maxLength: rest.length }).map((id) => prefix + id));
  }
  if (schema.format === "date") return fc.date({ noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
  if (schema.format === "date-time") return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
  if (schema.type === "integer") return fc.integer({ min: (schema.minimum ?? 0) - 2, max: (schema.maximum ?? 1000) + 2 }).map(String);
  return nasty;
}

const pathValue = (param: Param): fc.Arbitrary<PathValue> =>
  fc.oneof(
    { weight: 3, arbitrary: wellFormed(param.schema).map((text) => ({ text })) },
    { weight: 3, arbitrary: nasty.map((text) => ({ text })) },
    { weight: 1, arbitrary: long(4_000).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%2e%2e", "%00", "%C0%AF", "%ff%fe", "..").map((text) => ({ text, raw: true })) },
  );

function queryFor(route: Route): fc.Arbitrary<QueryPart[]> {
  const known = route.params.filter((p) => p.in === "query");
  const value = (p?: Param) => fc.oneof(...(p ? [wellFormed(p.schema)] : []), nasty, fc.constantFrom("", "0", "-1", "1.5", "1e3", "99999999999999999999", "[object Object]"));
  const part: fc.Arbitrary<QueryPart> = fc.oneof(
    ...known.map((p) => ({ weight: 3, arbitrary: value(p).map((v) => ({ key: p.name, value: v })) })),
    { weight: 1, arbitrary: fc.tuple(fc.oneof(pollutionKey, fc.constantFrom("__proto__[isAdmin]", "constructor[prototype][x]", "limit[]", "a[b][c]"), nasty), value()).map(([key, v]) => ({ key, value: v })) },
    { weight: 1, arbitrary: fc.constantFrom("&&&", "=", "==x", "%zz=1", "a=%", "limit=1&limit=2", "cursor", "?").map((raw) => ({ raw })) },
  );
  // At most one long value (a cursor, a customer id): the URL stays within what reaches a Worker.
  const longPart = fc.tuple(fc.constantFrom(...known.map((p) => p.name), "cursor", "q"), long(12_000)).map(([key, v]) => ({ key, value: v }));
  return fc.tuple(fc.array(part, { maxLength: 6 }), fc.option(longPart, { freq: 4 })).map(([parts, extra]) => (extra ? [...parts, extra] : parts));
}

/**
 * Header values an HTTP client can put on the wire: CR and LF would end the header line, and a
 * NUL makes workerd's parser refuse the request (a plain 400) before any Worker sees it.
 */
const headerValue: fc.Arbitrary<string> = fc.oneof(nasty, long(8_000)).map((value) => value.replace(/[\0\r\n]/g, ""));
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8", "application/json;charset=UTF-8", "application/json ; charset=utf-8", "application/json ;charset=utf-8",
      "application/json;  charset=utf-8", "application/json; charset=", "application/json;", "APPLICATION/JSON", "application/json; charset=latin1",
      "application/problem+json", "application/merge-patch+json", "application/vnd.api+json; charset=utf-8", "application/+json", "application/x+y+json", "application/jsonp",
      "application/json, text/plain", "application/json\tcharset=utf-8", "text/json", "text/plain", "text/plain; charset=utf-8",
      "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "*/*", "",
    ),
  },
  { weight: 1, arbitrary: headerValue },
);
const wrongCredentials = fc.oneof(
  fc.constantFrom(
    "Bearer", "Bearer ", "Bearer wrong-token", `Bearer ${ADMIN_TOKEN}x`, `Bearer x${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN.toUpperCase()}`, ADMIN_TOKEN,
    `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`, `Token ${ADMIN_TOKEN}`, "Bearer null", "Bearer ord_01JD5ZQ4C8X9M2N3P4Q5R6S7T8_secret_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "",
  ),
  headerValue.map((value) => `Bearer ${value}`),
  headerValue,
);
const credentials: Record<Credentials, fc.Arbitrary<string | undefined>> = {
  admin: fc.constant(`Bearer ${ADMIN_TOKEN}`),
  none: fc.constant(undefined),
  wrong: wrongCredentials,
};
const EXTRA_HEADERS = ["accept", "accept-encoding", "accept-language", "content-encoding", "cookie", "origin", "x-forwarded-for", "cf-connecting-ip", "x-http-method-override", "if-none-match", "range", "x-junk"];

function requestFor(route: Route, auth: fc.Arbitrary<string | undefined>): fc.Arbitrary<Request> {
  const pathParams = route.params.filter((p) => p.in === "path");
  const headerParams = route.params.filter((p) => p.in === "header");
  const method = route.otherMethods.length ? fc.oneof({ weight: 11, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...route.otherMethods) }) : fc.constant(route.method);
  return fc.record({
    method,
    path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p)]))),
    query: queryFor(route),
    headers: fc
      .tuple(
        fc.option(contentType, { freq: 6 }),
        fc.array(fc.tuple(fc.constantFrom(...headerParams.map((p) => p.name), ...(headerParams.length ? [] : ["idempotency-key"])), fc.oneof(...headerParams.map((p) => wellFormed(p.schema)), headerValue, fc.constant(""), long(2_000))), { maxLength: 1 }),
        fc.array(fc.tuple(fc.constantFrom(...EXTRA_HEADERS), headerValue), { maxLength: 2 }),
      )
      .map(([type, declared, extra]) => [...(type === null ? [] : [["content-type", type] as [string, string]]), ...declared, ...extra]),
    authorization: auth,
    body: bodyFor(route),
  });
}

// ---------------------------------------------------------------------------------------------
// Sending it

function targetOf(route: Route, request: Request): string {
  const pathname = route.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = request.path[name]!;
    return value.raw ? value.text : encode(value.text);
  });
  const query = request.query.map((part) => ("raw" in part ? part.raw : `${encode(part.key)}=${encode(part.value)}`)).join("&");
  return query ? `${pathname}?${query}` : pathname;
}

function nested(depth: number, shape: "array" | "object", inner: string): string {
  return shape === "array" ? "[".repeat(depth) + inner + "]".repeat(depth) : '{"a":'.repeat(depth) + inner + "}".repeat(depth);
}

/** Every place in a JSON value, as a path of keys, the root first. */
function places(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => places(item, [...at, i]))];
  if (value && typeof value === "object") return [at, ...Object.entries(value).flatMap(([key, item]) => places(item, [...at, key]))];
  return [at];
}

function changed(value: unknown, change: Change): unknown {
  switch (change.kind) {
    case "replace":
      return change.value;
    case "addKey":
      return own([...(value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [["value", value] as [string, unknown]]), [change.key, change.value]]);
    case "wrap":
      return [value];
    case "numberAsString":
      return typeof value === "number" ? String(value) : JSON.stringify(value);
    case "control":
      return typeof value === "string" ? `${value.slice(0, 1)}${change.char}${value.slice(1)}x` : `a${change.char}b`;
    case "long":
      return `${typeof value === "string" ? value : ""}${"x".repeat(change.n)}`;
    case "repeat":
      return Array.from({ length: change.n }, () => value);
    case "deep":
      return JSON.parse(nested(change.depth, change.shape, JSON.stringify(value) ?? "null"));
    case "delete":
      return undefined;
  }
}

/** The valid body with one place changed; undefined at the root means no body at all. */
function mutated(valid: unknown, at: number, change: Change): unknown {
  const body = structuredClone(valid);
  const all = places(body);
  const place = all[at % all.length]!;
  if (place.length === 0) return changed(body, change);
  const parent = place.slice(0, -1).reduce((node: any, key) => node[key], body) as Record<string | number, unknown>;
  const key = place.at(-1)!;
  const value = changed(parent[key], change);
  if (value === undefined) delete parent[key];
  else parent[key] = value;
  return body;
}

function bytesOf(route: Route, body: BodySpec): Uint8Array | undefined {
  switch (body.kind) {
    case "none":
      return undefined;
    case "mutated": {
      const value = mutated(route.valid, body.at, body.change);
      return value === undefined ? undefined : encoder.encode(JSON.stringify(value));
    }
    case "json":
      return encoder.encode(JSON.stringify(body.value) ?? "");
    case "text":
      return encoder.encode(body.text);
    case "deep":
      return encoder.encode(nested(body.depth, body.shape, "1"));
    case "oversized": {
      const n = body.bytes;
      if (body.shape === "string") return encoder.encode(`{"customer":{"name":"${"x".repeat(n)}"}}`);
      if (body.shape === "array") return encoder.encode(`[${"0,".repeat(n / 2)}0]`);
      const line = '{"sku":"MUG-001","quantity":1},';
      return encoder.encode(`{"items":[${line.repeat(Math.ceil(n / line.length))}{}]}`);
    }
  }
}

/**
 * The bytes, unless the route's schema would accept what they parse to (as the runtime decodes
 * them: UTF-8, a BOM dropped); then the same value inside an array, which no body schema takes.
 * So no generated request can legitimately place an order, set stock or subscribe an endpoint.
 */
function refusable(route: Route, bytes: Uint8Array): Uint8Array {
  if (!route.validate) return bytes;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return bytes;
  }
  return route.validate(value) ? encoder.encode(JSON.stringify([value])) : bytes;
}

type Reply = { status: number; contentType: string; text: string };

/** Header values fetch refuses to send (control characters, non-ASCII) go over a plain socket, as any client could send them. */
const fetchable = (value: string) => /^[\t\x20-\x7e]*$/.test(value);

async function send(origin: string, route: Route, request: Request): Promise<{ target: string; sent: string; reply: Reply }> {
  const target = targetOf(route, request);
  const headers: [string, string][] = [...request.headers, ...(request.authorization === undefined ? [] : [["authorization", request.authorization] as [string, string]])];
  const { body } = request;
  let bytes = request.method === "GET" ? undefined : bytesOf(route, body);
  if (bytes && body.kind !== "oversized") bytes = refusable(route, bytes);
  const sent = bytes ? new TextDecoder().decode(bytes.subarray(0, 300)) : "(no body)";
  // An oversized body goes over a socket too: the server may answer 413 and close before it is
  // all written, and fetch then reports the broken pipe instead of the answer.
  if ((bytes && body.kind === "oversized") || !headers.every(([, value]) => fetchable(value))) {
    return { target, sent, reply: await exchange(origin, request.method, target, headers, bytes, body.kind === "oversized" && body.streamed) };
  }
  const response = await fetch(`${origin}${target}`, { method: request.method, headers, ...(bytes ? { body: bytes } : {}) } as RequestInit);
  return { target, sent, reply: { status: response.status, contentType: response.headers.get("content-type") ?? "", text: await response.text() } };
}

/**
 * One HTTP/1.1 request over a socket, header bytes exactly as given (UTF-8); `chunked` sends the
 * body without Content-Length, in 64 KiB chunks, so the size limit cannot read it off a header.
 */
function exchange(origin: string, method: string, target: string, headers: [string, string][], body: Uint8Array | undefined, chunked: boolean): Promise<Reply> {
  const { hostname, port, host } = new URL(origin);
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${host}`, "connection: close", ...headers.map(([name, value]) => `${name}: ${value}`)];
  if (body) lines.push(chunked ? "transfer-encoding: chunked" : `content-length: ${body.length}`);
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8"));
      if (!body) return;
      if (!chunked) return void socket.write(body);
      for (let i = 0; i < body.length; i += 65_536) {
        const chunk = body.subarray(i, i + 65_536);
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write("\r\n");
      }
      socket.write("0\r\n\r\n");
    });
    let failure: Error | undefined;
    socket.on("data", (chunk) => received.push(chunk));
    // The server may answer (413) and close before the whole body is written: the answer counts.
    socket.on("error", (error) => (failure = error));
    socket.on("close", () => {
      if (!received.length) return reject(failure ?? new Error("connection closed without an answer"));
      const raw = Buffer.concat(received).toString("utf8");
      const split = raw.indexOf("\r\n\r\n");
      const head = raw.slice(0, split).split("\r\n");
      const field = (name: string) => head.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? "";
      let text = raw.slice(split + 4);
      if (field("transfer-encoding") === "chunked") {
        let plain = "";
        for (let at = 0; ; ) {
          const end = text.indexOf("\r\n", at);
          const size = parseInt(text.slice(at, end), 16);
          if (!size) break;
          plain += text.slice(end + 2, end + 2 + size);
          at = end + 2 + size + 2;
        }
        text = plain;
      }
      resolve({ status: Number(head[0]?.split(" ")[1]), contentType: field("content-type"), text });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// What must hold

/**
 * 2xx only for a documented GET: a read, legitimate for well-formed filters, a well-formed id
 * whose log is simply empty (`/admin/notifications/{orderId}`), or a public list. Everything
 * else is refused: the bodies are never valid (see `refusable`) and the ids never exist, so a
 * 2xx to any other method would mean something was accepted, hence written.
 */
function expectAnswer(route: Route, credentials: Credentials, request: Request, target: string, sent: string, reply: Reply): void {
  const what = `${request.method} ${target.slice(0, 300)} [${credentials}] body ${JSON.stringify(sent)} → ${reply.status} ${reply.contentType} ${reply.text.slice(0, 300)}`;
  expect(reply.status, what).toBeGreaterThanOrEqual(200);
  expect(reply.status, what).toBeLessThan(500);
  const documented = request.method === route.method;
  // A path value such as `..`, `` or a raw `%2e%2e` makes the URL name another route, or none.
  const addressed = documented && Object.values(request.path).every(({ text, raw }) => !raw && !["", ".", ".."].includes(text));
  if (reply.status < 400) {
    expect(documented && route.method === "GET", `2xx to a request that may not succeed: ${what}`).toBe(true);
    expect(reply.status, what).toBeLessThan(300);
    const types = Object.keys(route.operation.responses?.[String(reply.status)]?.content ?? {});
    expect(types, `undocumented answer: ${what}`).toContain(reply.contentType.split(";")[0]);
    return;
  }
  expect(reply.contentType, what).toMatch(/^application\/problem\+json(;|$)/);
  let problem: unknown;
  expect(() => (problem = JSON.parse(reply.text)), what).not.toThrow();
  expect(problem, what).toMatchObject({ type: expect.any(String), title: expect.any(String), status: reply.status });
  // Credentials are checked before anything is validated: strangers learn nothing (only the
  // edge's content-type and size checks come first).
  if (route.guarded && addressed && credentials !== "admin") expect([401, 413, 415], `a stranger learned more than 401: ${what}`).toContain(reply.status);
}

/** Everything a request could have written, as seen through the stores, the admin API and the provider sandbox. */
async function storage(stack: Stack) {
  const read = async (pathname: string) => {
    const response = await fetch(`${stack.appUrl}${pathname}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status, pathname).toBe(200);
    return response.json();
  };
  const api = Object.fromEntries(
    await Promise.all(
      ["/products", "/admin/stock", "/admin/webhooks/endpoints", "/admin/dead-letters", "/admin/orders/stuck", "/admin/reports/orders", "/admin/lake/objects"].map(
        async (pathname) => [pathname, await read(pathname)] as const,
      ),
    ),
  );
  const stores: Record<string, unknown> = {};
  for (const worker of WORKERS) {
    const config = unstable_readConfig({ config: path.join(ROOT, worker.config) });
    const env = await stack.app.getWorker<Record<string, any>>(worker.name).getEnv();
    for (const { binding } of config.kv_namespaces) stores[`${worker.name} KV ${binding}`] = (await env[binding].list()).keys.map((k: { name: string }) => k.name);
    for (const { binding } of config.r2_buckets) stores[`${worker.name} R2 ${binding}`] = (await env[binding].list()).objects.map((o: { key: string; size: number }) => `${o.key} ${o.size}`);
    for (const { binding } of config.d1_databases) {
      const db = env[binding];
      const { results } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").all();
      for (const { name } of results as { name: string }[]) stores[`${worker.name} D1 ${binding}.${name}`] = (await db.prepare(`SELECT count(*) AS n FROM "${name}"`).first()).n;
    }
  }
  return {
    api,
    stores,
    queues: await stack.audit(),
    providerRequests: Object.fromEntries(await Promise.all(PROVIDERS.map(async (p) => [p, (await stack.providerRequests(p)).length] as const))),
    providerObjects: Object.fromEntries(await Promise.all(OBJECT_KINDS.map(async (k) => [k, (await stack.providerObjects(k)).length] as const))),
  };
}

// ---------------------------------------------------------------------------------------------

let stack: Stack;
let routes: Route[];
let before: Awaited<ReturnType<typeof storage>>;
const orderIds = new Set<string>();
let requests = 0;
const statuses = new Map<number, number>();

beforeAll(async () => {
  console.log(`adversarial seed ${SEED} (rerun with ADVERSARIAL_SEED=${SEED}), ${RUNS} requests per route (ADVERSARIAL_RUNS)`);
  stack = await startStack();
  routes = routesOf(await (await fetch(`${stack.appUrl}/openapi.json`)).json());
  before = await storage(stack);
});
afterAll(() => stack?.close());

it("finds every route in the document, and a valid body to start each body's mutations from", () => {
  expect(routes.length).toBeGreaterThan(30);
  expect(routes.filter((r) => r.guarded).length).toBeGreaterThan(25);
  for (const route of routes.filter((r) => r.validate)) expect(route.validate!(route.valid), `${route.method} ${route.template}: ${JSON.stringify(route.validate!.errors)}`).toBe(true);
});

it("answers every adversarial request with a 2xx read or a problem+json 4xx, never a 5xx", { timeout: Math.max(1, RUNS / 40) * 120_000 }, async () => {
  const started = Date.now();
  // Guarded routes: half with the admin token (validation is reached), a quarter each with none and a wrong one.
  const jobs = routes.flatMap((route) => {
    const plan: [Credentials | "any", number][] = route.guarded
      ? [["admin", Math.ceil(RUNS / 2)], ["none", Math.floor(RUNS / 4)], ["wrong", RUNS - Math.ceil(RUNS / 2) - Math.floor(RUNS / 4)]]
      : [["any", RUNS]];
    return plan.filter(([, runs]) => runs > 0).map(([who, runs]) => ({ route, who, runs }));
  });
  const run = async ({ route, who, runs }: (typeof jobs)[number], index: number) => {
    const auth = who === "any" ? fc.oneof(credentials.none, credentials.admin, credentials.wrong) : credentials[who];
    await fc.assert(
      fc.asyncProperty(requestFor(route, auth), async (request) => {
        for (const { text } of Object.values(request.path)) if (ORDER_ID.test(text)) orderIds.add(text);
        const { target, sent, reply } = await send(stack.appUrl, route, request);
        requests++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const credentialsUsed = request.authorization === `Bearer ${ADMIN_TOKEN}` ? "admin" : request.authorization === undefined ? "none" : "wrong";
        expectAnswer(route, credentialsUsed, request, target, sent, reply);
      }),
      { numRuns: runs, seed: SEED + index },
    );
  };
  // One request at a time: concurrent chunked uploads trip wrangler's local dev proxy (see bodyFor).
  for (const [index, job] of jobs.entries()) await run(job, index);
  console.log(`adversarial: ${requests} requests at ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log([...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(" "));
  expect(requests).toBeGreaterThanOrEqual(routes.length * RUNS);
});

it("stored, charged, sent and published nothing for any of them", { timeout: 60_000 }, async () => {
  // Long enough for any queue batch published by a request to have been delivered and written.
  const settle = Math.max(...WORKERS.flatMap((w) => unstable_readConfig({ config: path.join(ROOT, w.config) }).queues.consumers?.map((consumer: { max_batch_timeout?: number }) => consumer.max_batch_timeout ?? 0) ?? [0]));
  await new Promise((resolve) => setTimeout(resolve, (settle + 1) * 1000));
  expect(await storage(stack)).toEqual(before);
  // No order behind any well-formed order id the suite made up.
  for (const id of orderIds) expect((await stack.admin("GET", `/orders/${id}`)).status, id).toBe(404);
});
