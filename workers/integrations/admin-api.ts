import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { OrderId } from "../../src/contracts/values";
import { createAdminApi, problemResponse, Problem, validationProblem } from "../../src/platform/http";
import { cursorParam, limitParam, readCursor } from "../../src/platform/paging";
import { notificationsOf, registryOf } from "./order-events";
import { deliverWebhook, vetEndpointUrl } from "./webhook-delivery";
import { Delivery, Endpoint, EndpointInput, EndpointPatch, RotatedSecret } from "./webhook-shapes";

type AdminApiEnv = { Bindings: IntegrationsEnv };

const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

const ENDPOINT_ID = /^ep_[0-9A-Z]{26}$/;
const DELIVERY_ID = /^dlv_[0-9A-Z]{26}$/;
const EndpointId = z.string().regex(ENDPOINT_ID, "expected an endpoint id such as ep_01J…");
const EndpointParam = z.object({ id: EndpointId });
/** Lists answer a page and, when more follow, the cursor of the next. */
const paged = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, nextCursor: z.string().optional() });

const Notification = z
  .object({
    channel: z.enum(["email", "sms"]),
    template: z.string(),
    status: z.enum(["sending", "retrying", "sent", "failed", "skipped"]),
    attempts: z.number(),
    eventId: z.string(),
    to: z.string().optional(),
    providerMessageId: z.string().optional(),
    lastError: z.object({ code: z.string().optional(), message: z.string() }).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Notification" });

const endpointNotFound = (id: string) => new Problem(404, "endpoint-not-found", "Webhook endpoint not found", `There is no endpoint ${id}.`);
/** The registry answers null for an unknown endpoint; the API answers 404. */
const found = <T>(value: T | null, id: string): T => {
  if (value === null) throw endpointNotFound(id);
  return value;
};
const notFound = problemResponse("No such endpoint");
const invalid = problemResponse("Invalid fields, or a URL the SSRF guard refuses");
const resolverDown = problemResponse("The DNS resolver could not tell where the URL's host points; try again");

/** Integrations' admin API: the delivery log of an order's notifications, and webhook endpoints. */
export function createIntegrationsApi() {
  const app = createAdminApi<AdminApiEnv>("integrations");

  /** Refuses URLs the SSRF guard rejects, as a 422 naming the field; 503 when DNS could not be asked. */
  const checkedUrl = async (env: IntegrationsEnv, url: string) => {
    const verdict = await vetEndpointUrl(url, env);
    if (verdict.ok) return verdict.url;
    if (verdict.unavailable) throw new Problem(503, "resolver-unavailable", "Cannot check the endpoint's host", `${verdict.reason}; try again shortly.`);
    throw validationProblem([{ path: "url", message: verdict.reason }], `The endpoint URL is refused: ${verdict.reason}.`);
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/notifications/{orderId}",
      summary: "Delivery log of an order's emails and text messages (admin)",
      request: { params: z.object({ orderId: OrderId }) },
      responses: { 200: json("One line per channel and template", z.object({ orderId: z.string(), notifications: z.array(Notification) })), 422: invalid },
    }),
    async (c) => {
      const { orderId } = c.req.valid("param");
      return c.json({ orderId, notifications: await notificationsOf(c.env.NOTIFICATIONS, orderId).log() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/webhooks/endpoints",
      summary: "Subscribe a webhook endpoint (admin); its signing secret is shown once",
      request: body(EndpointInput),
      responses: { 201: json("The endpoint and its secret", Endpoint.extend({ secret: z.string() })), 422: invalid, 503: resolverDown },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { endpoint, secret } = await registryOf(c.env.WEBHOOKS).createEndpoint({ ...input, url: await checkedUrl(c.env, input.url) });
      return c.json({ ...endpoint, secret }, 201, { location: `/admin/webhooks/endpoints/${endpoint.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/webhooks/endpoints",
      summary: "Webhook endpoints, oldest first, a page at a time (admin)",
      request: { query: z.object({ limit: limitParam(100), cursor: cursorParam(ENDPOINT_ID).optional() }) },
      responses: { 200: json("A page of endpoints", paged({ endpoints: z.array(Endpoint) })), 422: invalid },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(await registryOf(c.env.WEBHOOKS).listEndpoints({ limit, ...(cursor ? { after: readCursor(cursor, ENDPOINT_ID)! } : {}) }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/webhooks/endpoints/{id}",
      summary: "One webhook endpoint, with its recent activity (admin)",
      request: { params: EndpointParam },
      responses: { 200: json("The endpoint", Endpoint), 404: notFound },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(found(await registryOf(c.env.WEBHOOKS).getEndpoint(id), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/admin/webhooks/endpoints/{id}",
      summary: "Change a webhook endpoint's URL, event types or description; enable or disable it (admin)",
      request: { params: EndpointParam, ...body(EndpointPatch) },
      responses: { 200: json("The endpoint", Endpoint), 404: notFound, 422: invalid, 503: resolverDown },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const patched = { ...patch, ...(patch.url ? { url: await checkedUrl(c.env, patch.url) } : {}) };
      return c.json(found(await registryOf(c.env.WEBHOOKS).updateEndpoint(id, patched), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/admin/webhooks/endpoints/{id}",
      summary: "Delete a webhook endpoint and its delivery log (admin)",
      request: { params: EndpointParam },
      responses: { 204: { description: "Deleted" }, 404: notFound },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await registryOf(c.env.WEBHOOKS).deleteEndpoint(id))) throw endpointNotFound(id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/webhooks/endpoints/{id}/rotate-secret",
      summary: "New signing secret; the old one keeps signing alongside it for 24 hours (admin)",
      request: { params: EndpointParam },
      responses: { 200: json("The new secret, shown once", RotatedSecret), 404: notFound },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(found(await registryOf(c.env.WEBHOOKS).rotateSecret(id), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/webhooks/endpoints/{id}/test",
      summary: "Send a signed webhook.test message now and report the attempt's status and timing, never the answer's body (admin)",
      request: { params: EndpointParam },
      responses: { 200: json("The test delivery with its attempt", Delivery), 404: notFound },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const registry = registryOf(c.env.WEBHOOKS);
      const deliveryId = found(await registry.createTestDelivery(id), id);
      await deliverWebhook(registry, deliveryId, c.env, { retries: false });
      return c.json(found(await registry.delivery(deliveryId), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/webhooks/endpoints/{id}/deliveries",
      summary: "Deliveries to an endpoint, newest first, a page at a time, each attempt with status, latency and response snippet (admin)",
      request: {
        params: EndpointParam,
        query: z.object({ status: Delivery.shape.status.optional(), limit: limitParam(50), cursor: cursorParam(DELIVERY_ID).optional() }),
      },
      responses: { 200: json("A page of deliveries", paged({ deliveries: z.array(Delivery) })), 404: notFound, 422: invalid },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { status, limit, cursor } = c.req.valid("query");
      const filter = { limit, ...(status ? { status } : {}), ...(cursor ? { after: readCursor(cursor, DELIVERY_ID)! } : {}) };
      return c.json(found(await registryOf(c.env.WEBHOOKS).deliveries(id, filter), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/webhooks/endpoints/{id}/deliveries/{deliveryId}/replay",
      summary: "Send one delivery again, same webhook-id, with a fresh retry schedule (admin)",
      request: { params: EndpointParam.extend({ deliveryId: z.string().regex(DELIVERY_ID, "expected a delivery id such as dlv_01J…") }) },
      responses: { 202: json("Queued", z.object({ replayed: z.number() })), 404: problemResponse("No such endpoint or delivery") },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid("param");
      const replayed = await registryOf(c.env.WEBHOOKS).replay(id, { deliveryId });
      if (replayed === null) throw new Problem(404, "delivery-not-found", "Delivery not found", `Endpoint ${id} has no delivery ${deliveryId} that can be replayed.`);
      return c.json({ replayed }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/webhooks/endpoints/{id}/replay",
      summary: "Send every failed delivery created since a time again (admin)",
      request: { params: EndpointParam, ...body(z.strictObject({ since: z.iso.datetime({ offset: true }) }).meta({ id: "ReplaySince" })) },
      responses: { 202: json("Queued", z.object({ replayed: z.number() })), 404: notFound, 422: invalid },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const replayed = await registryOf(c.env.WEBHOOKS).replay(id, { failedSince: Date.parse(c.req.valid("json").since) });
      return c.json({ replayed: found(replayed, id) }, 202);
    },
  );

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "choreo integrations admin API", version: "1.0.0" } });
  return app;
}
