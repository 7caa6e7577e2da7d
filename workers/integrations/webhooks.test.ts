import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { billedEvent, placedEvent } from "../../test/fixtures/orders";
import { WEBHOOK_SUBSCRIPTIONS_KEY, webhookSubscriptions } from "../../src/platform/webhook-subscriptions";
import { registryOf } from "./order-events";
import { admin, e, eventually, requestsTo, sandbox, type Recorded } from "./test-helpers";
import type { WebhookRegistry } from "./webhook-registry";

const registry = () => registryOf(e.WEBHOOKS);
const created: string[] = [];

afterEach(async () => {
  for (const id of created.splice(0)) await admin("DELETE", `/admin/webhooks/endpoints/${id}`);
});

/** A receiver of its own at the sandbox, answering as `query` asks (?status=…). */
function receiver(query = "") {
  const name = `r${crypto.randomUUID().slice(0, 8)}`;
  return { name, url: `${sandbox}/webhooks/${name}${query}`, requests: () => requestsTo("webhooks", (r) => r.path === `/${name}`) };
}

async function subscribe(url: string, eventTypes?: string[]) {
  const res = await admin("POST", "/admin/webhooks/endpoints", { url, description: "test", ...(eventTypes ? { eventTypes } : {}) });
  expect(res.status).toBe(201);
  created.push(res.body.id);
  return res.body as { id: string; secret: string };
}

const DAY = 24 * 3600_000;

async function deliveries(endpointId: string) {
  return (await admin("GET", `/admin/webhooks/endpoints/${endpointId}/deliveries`)).body.deliveries as any[];
}

async function deliveryWhere(endpointId: string, match: (d: any) => boolean, what: string, timeoutMs = 10_000) {
  return eventually(async () => (await deliveries(endpointId)).find(match), timeoutMs, what);
}

const verify = (secret: string, request: Recorded) => new Webhook(secret).verify(request.body, request.headers);

describe("webhook endpoints (admin API)", () => {
  it("creates an endpoint with a whsec_ secret shown once, then lists, reads, updates and deletes it", async () => {
    const res = await admin("POST", "/admin/webhooks/endpoints", { url: "https://erp.example.com/hooks", eventTypes: ["order.placed.v1"], description: "ERP" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^ep_/), url: "https://erp.example.com/hooks", eventTypes: ["order.placed.v1"], status: "enabled" });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.headers.get("location")).toBe(`/admin/webhooks/endpoints/${res.body.id}`);
    const id = res.body.id;

    const read = await admin("GET", `/admin/webhooks/endpoints/${id}`);
    expect(read.body).toMatchObject({ id, description: "ERP" });
    expect(JSON.stringify(read.body)).not.toContain("whsec_");
    expect((await admin("GET", "/admin/webhooks/endpoints")).body.endpoints.map((ep: { id: string }) => ep.id)).toContain(id);

    const patched = await admin("PATCH", `/admin/webhooks/endpoints/${id}`, { eventTypes: ["order.billed.v1", "order.refunded.v1"], enabled: false });
    expect(patched.body).toMatchObject({ eventTypes: ["order.billed.v1", "order.refunded.v1"], status: "disabled", disabledReason: "disabled by an admin" });

    expect((await admin("DELETE", `/admin/webhooks/endpoints/${id}`)).status).toBe(204);
    const gone = await admin("GET", `/admin/webhooks/endpoints/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.type).toBe("/problems/endpoint-not-found");
  });

  it("refuses unknown event types, unknown fields and callers without the admin token", async () => {
    const bad = await admin("POST", "/admin/webhooks/endpoints", { url: "https://erp.example.com/hooks", eventTypes: ["order.exploded.v1"], colour: "red" });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(["(root)", "eventTypes.0"]);
    const anonymous = await admin("GET", "/admin/webhooks/endpoints", undefined, { authorization: "Bearer wrong" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
  });
});

// Deliveries go through the real webhooks queue and the sandbox's receivers over HTTP.
describe("webhook deliveries", { timeout: 30_000 }, () => {
  it("delivers each subscribed event as a signed CloudEvent that standardwebhooks verifies", async () => {
    const all = receiver();
    const billedOnly = receiver();
    const endpoint = await subscribe(all.url);
    await subscribe(billedOnly.url, ["order.billed.v1"]);
    const event = placedEvent();
    await e.INTEGRATIONS_QUEUE.send(event, { contentType: "json" });

    const [request] = await eventually(async () => ((await all.requests()).length ? all.requests() : undefined), 10_000, "webhook received");
    expect(request!.headers["webhook-id"]).toBe(event.id);
    expect(Number(request!.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -2);
    expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(verify(endpoint.secret, request!)).toEqual(event);
    expect(() => new Webhook(`whsec_${btoa("another secret of 32 bytes long!")}`).verify(request!.body, request!.headers)).toThrow();

    const [delivery] = await deliveryWhere(endpoint.id, (d) => d.status === "delivered", "delivered").then((d) => [d]);
    expect(delivery).toMatchObject({ webhookId: event.id, eventType: "order.placed.v1", attempts: [{ attempt: 1, statusCode: 200, response: '{"received":true}' }] });
    expect(await billedOnly.requests()).toHaveLength(0);
  });

  it("signs with the old and the new secret for a day after a rotation", async () => {
    const target = receiver();
    const endpoint = await subscribe(target.url);
    const rotated = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const test = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ eventType: "webhook.test.v1", status: "delivered", attempts: [{ statusCode: 200 }] });
    const [request] = await target.requests();
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verify(rotated.body.secret, request!)).toMatchObject({ type: "webhook.test.v1" });
    expect(verify(endpoint.secret, request!)).toMatchObject({ type: "webhook.test.v1" });
  });

  it("retries a failing endpoint on the schedule with one webhook-id, waits past 12 h on the alarm, then gives up", async () => {
    const failing = receiver("?status=500");
    const endpoint = await subscribe(failing.url);
    const event = placedEvent();
    await registry().fanOut(event);

    // Schedule 0, 1, 1, 50400 s: three attempts through queue retries, the fourth 14 h later.
    const scheduled = await deliveryWhere(endpoint.id, (d) => d.status === "scheduled", "scheduled for the alarm", 20_000);
    expect(scheduled.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500]);
    expect(Date.parse(scheduled.nextAttemptAt) - Date.now()).toBeGreaterThan(13.9 * 3600_000);
    const stub = registry() as DurableObjectStub<WebhookRegistry>;
    expect(await runInDurableObject(stub, (_registry, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 13.9 * 3600_000);

    // 14 h later:
    await runInDurableObject(stub, (_registry, state) => {
      state.storage.sql.exec("UPDATE deliveries SET next_attempt_at = ? WHERE id = ?", Date.now() - 1, scheduled.id);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const failed = await deliveryWhere(endpoint.id, (d) => d.status === "failed", "given up");
    expect(failed.attempts).toHaveLength(4);
    expect(failed.lastError).toBe("answered 500; gave up after 4 attempts");
    const requests = await failing.requests();
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([event.id]));
    expect((await admin("GET", `/admin/webhooks/endpoints/${endpoint.id}`)).body.failingSince).toBeDefined();
  });

  it("disables an endpoint that answers 410 Gone and records endpoint.disabled", async () => {
    const gone = receiver("?status=410");
    const endpoint = await subscribe(gone.url);
    await registry().fanOut(placedEvent());
    const failed = await deliveryWhere(endpoint.id, (d) => d.status === "failed", "failed");
    expect(failed.attempts).toHaveLength(1);
    const view = (await admin("GET", `/admin/webhooks/endpoints/${endpoint.id}`)).body;
    expect(view).toMatchObject({ status: "disabled", disabledReason: "the endpoint answered 410 Gone", activity: [{ type: "endpoint.disabled" }] });
    await registry().fanOut(placedEvent());
    expect(await deliveries(endpoint.id)).toHaveLength(1);
  });

  it("counts a redirect as a failure and does not follow it", async () => {
    const moved = receiver("?status=302");
    const endpoint = await subscribe(moved.url);
    await registry().fanOut(placedEvent());
    const delivery = await deliveryWhere(endpoint.id, (d) => d.attempts.length >= 2, "two attempts");
    expect(delivery.attempts.slice(0, 2).map((a: { statusCode: number }) => a.statusCode)).toEqual([302, 302]);
    expect(await requestsTo("webhooks", (r) => r.path === "/elsewhere")).toHaveLength(0);
  });

  it("waits as long as a throttling endpoint's Retry-After asks", async () => {
    const busy = receiver("?status=429&retryAfter=120");
    const endpoint = await subscribe(busy.url);
    await registry().fanOut(placedEvent());
    const delivery = await deliveryWhere(endpoint.id, (d) => d.status === "retrying", "retrying");
    const wait = Date.parse(delivery.nextAttemptAt) - Date.parse(delivery.attempts[0].at);
    expect(wait).toBe(120_000);
  });

  it("keeps a slow endpoint from holding back a fast one", async () => {
    const slow = receiver("?delayMs=6000");
    const fast = receiver();
    const slowEndpoint = await subscribe(slow.url);
    const fastEndpoint = await subscribe(fast.url);
    await registry().fanOut(placedEvent());
    await deliveryWhere(fastEndpoint.id, (d) => d.status === "delivered", "fast delivered");
    const [slowDelivery] = await deliveries(slowEndpoint.id);
    expect(slowDelivery.status).not.toBe("delivered");
    await deliveryWhere(slowEndpoint.id, (d) => d.status === "delivered", "slow delivered", 20_000);
  });

  it("logs each attempt's status, latency and the first 1 KiB of the answer, reading at most 64 KiB", async () => {
    const chatty = receiver("?bodyBytes=200000");
    const endpoint = await subscribe(chatty.url);
    await registry().fanOut(placedEvent());
    const [attempt] = (await deliveryWhere(endpoint.id, (d) => d.status === "delivered", "delivered")).attempts;
    expect(attempt.statusCode).toBe(200);
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
    expect(attempt.response).toHaveLength(1024);
    expect(attempt.response.startsWith('{"received":true,"padding":"xxx')).toBe(true);
  });

  it("reports a test-send's status and timing but never echoes what answered, nor keeps it", async () => {
    const chatty = receiver("?status=500&bodyBytes=300");
    const endpoint = await subscribe(chatty.url);
    const test = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ eventType: "webhook.test.v1", status: "failed", lastError: "answered 500", attempts: [{ attempt: 1, statusCode: 500 }] });
    expect(test.body.attempts[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(test.body.attempts[0]).not.toHaveProperty("response");
    expect(JSON.stringify(test.body)).not.toContain("received");
    expect(JSON.stringify(await deliveries(endpoint.id))).not.toContain("received");
    expect(await chatty.requests()).toHaveLength(1);
  });

  it("disables an endpoint that has failed every attempt for five days", async () => {
    const failing = receiver("?status=503");
    const endpoint = await subscribe(failing.url);
    const stub = registry() as DurableObjectStub<WebhookRegistry>;
    await runInDurableObject(stub, (_registry, state) => {
      state.storage.sql.exec("UPDATE endpoints SET failing_since = ? WHERE id = ?", Date.now() - 5 * 24 * 3600_000 - 1000, endpoint.id);
    });
    await registry().fanOut(placedEvent());
    const failed = await deliveryWhere(endpoint.id, (d) => d.status === "failed", "failed");
    expect(failed.attempts).toHaveLength(1);
    const view = (await admin("GET", `/admin/webhooks/endpoints/${endpoint.id}`)).body;
    expect(view).toMatchObject({ status: "disabled", disabledReason: "every attempt failed for 5 days", activity: [{ type: "endpoint.disabled", detail: "every attempt failed for 5 days" }] });
  });

  it("replays one delivery, and every failed delivery since a time, with the same webhook-id", async () => {
    const gone = receiver("?status=410");
    const fixed = receiver();
    const endpoint = await subscribe(gone.url);
    const [first, second] = [placedEvent(), placedEvent()];
    await registry().fanOut(first);
    await deliveryWhere(endpoint.id, (d) => d.webhookId === first.id && d.status === "failed", "first failed");
    await admin("PATCH", `/admin/webhooks/endpoints/${endpoint.id}`, { enabled: true });
    await registry().fanOut(second);
    await deliveryWhere(endpoint.id, (d) => d.webhookId === second.id && d.status === "failed", "second failed");
    await admin("PATCH", `/admin/webhooks/endpoints/${endpoint.id}`, { url: fixed.url, enabled: true });
    const [failedSecond, failedFirst] = await deliveries(endpoint.id);
    expect(failedFirst.status).toBe("failed");

    const one = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/deliveries/${failedFirst.id}/replay`);
    expect(one).toMatchObject({ status: 202, body: { replayed: 1 } });
    const replayed = await deliveryWhere(endpoint.id, (d) => d.id === failedFirst.id && d.status === "delivered", "first replayed");
    expect(replayed.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([410, 200]);
    expect((await fixed.requests()).map((r) => r.headers["webhook-id"])).toEqual([first.id]);
    expect(failedSecond.webhookId).toBe(second.id);

    const since = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/replay`, { since: new Date(Date.now() - 60_000).toISOString() });
    expect(since).toMatchObject({ status: 202, body: { replayed: 1 } });
    await deliveryWhere(endpoint.id, (d) => d.id === failedSecond.id && d.status === "delivered", "second replayed");
    expect((await fixed.requests()).map((r) => r.headers["webhook-id"])).toEqual([first.id, second.id]);

    const unknown = await admin("POST", `/admin/webhooks/endpoints/${endpoint.id}/deliveries/dlv_01JDV3K9Q8ZP4M7T2X6C5B1N0R/replay`);
    expect(unknown.status).toBe(404);
  });

  it("sends an event once per endpoint however often it is fanned out", async () => {
    const target = receiver();
    const endpoint = await subscribe(target.url);
    const event = placedEvent();
    await registry().fanOut(event);
    await deliveryWhere(endpoint.id, (d) => d.status === "delivered", "delivered");
    await registry().fanOut(event);
    await e.INTEGRATIONS_QUEUE.send(event, { contentType: "json" });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await target.requests()).toHaveLength(1);
  });
});

describe("paging and retention of the webhook registry", { timeout: 30_000 }, () => {
  it("pages endpoints and deliveries with a cursor, and refuses a cursor it never handed out", async () => {
    const mine = [await subscribe(receiver().url), await subscribe(receiver().url), await subscribe(receiver().url)].map((ep) => ep.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin("GET", `/admin/webhooks/endpoints?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.endpoints.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.endpoints.map((ep: { id: string }) => ep.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(mine));

    const endpoint = mine[0]!;
    for (let i = 0; i < 3; i++) await registry().fanOut(placedEvent());
    await eventually(async () => ((await deliveries(endpoint)).filter((d) => d.status === "delivered").length === 3 ? true : undefined), 10_000, "3 delivered");
    const first = await admin("GET", `/admin/webhooks/endpoints/${endpoint}/deliveries?limit=2`);
    expect(first.body.deliveries).toHaveLength(2);
    const second = await admin("GET", `/admin/webhooks/endpoints/${endpoint}/deliveries?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    const times = [...first.body.deliveries, ...second.body.deliveries].map((d: { createdAt: string }) => d.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set([...first.body.deliveries, ...second.body.deliveries].map((d: { id: string }) => d.id)).size).toBe(3);

    const endpointCursor = (await admin("GET", "/admin/webhooks/endpoints?limit=1")).body.nextCursor;
    for (const path of ["/admin/webhooks/endpoints?cursor=abc", `/admin/webhooks/endpoints/${endpoint}/deliveries?cursor=${endpointCursor}`, "/admin/webhooks/endpoints?limit=0"]) {
      const res = await admin("GET", path);
      expect(res.status, path).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.body.errors.map((error: { path: string }) => error.path), path).toEqual([path.includes("limit") ? "limit" : "cursor"]);
    }
  });

  it("deletes a delivery with its attempts and event 90 days after it was created, on the alarm, keeping one still retrying", async () => {
    const target = receiver();
    const endpoint = await subscribe(target.url);
    const [old, retrying, recent] = [placedEvent(), placedEvent(), placedEvent()];
    for (const event of [old, retrying, recent]) await registry().fanOut(event);
    await eventually(async () => ((await deliveries(endpoint.id)).filter((d) => d.status === "delivered").length === 3 ? true : undefined), 10_000, "3 delivered");
    const stub = registry() as DurableObjectStub<WebhookRegistry>;
    // The first delivery armed the alarm for when it expires.
    expect(await runInDurableObject(stub, (_registry, state) => state.storage.getAlarm())).toBeLessThanOrEqual(Date.now() + 90 * DAY);

    await runInDurableObject(stub, (_registry, state) => {
      const sql = state.storage.sql;
      sql.exec("UPDATE deliveries SET created_at = ? WHERE event_id = ?", Date.now() - 90 * DAY - 1000, old.id);
      sql.exec("UPDATE deliveries SET created_at = ?, status = 'retrying' WHERE event_id = ?", Date.now() - 91 * DAY, retrying.id);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    expect((await deliveries(endpoint.id)).map((d) => d.webhookId).sort()).toEqual([retrying.id, recent.id].sort());
    const left = await runInDurableObject(stub, async (_registry, state) => ({
      messages: state.storage.sql.exec<{ event_id: string }>("SELECT event_id FROM messages WHERE event_id = ?", old.id).toArray(),
      attempts: state.storage.sql.exec("SELECT 1 FROM attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)").toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left.messages).toEqual([]);
    expect(left.attempts).toEqual([]);
    expect(left.alarm).not.toBeNull(); // for the deliveries left
  });
});

// Publishers read which types endpoints take from KV, to send integrations only those events.
describe("webhook subscriptions for publishers", () => {
  const stored = async () => (await e.WEBHOOK_SUBSCRIPTIONS.get(WEBHOOK_SUBSCRIPTIONS_KEY, "json")) as { all: boolean; types: string[] } | null;

  it("writes the types enabled endpoints take whenever an endpoint is created, changed, disabled or deleted", async () => {
    const billed = await subscribe(receiver().url, ["order.billed.v1"]);
    expect(await stored()).toMatchObject({ all: false, types: ["order.billed.v1"] });
    const everything = await subscribe(receiver().url);
    expect(await stored()).toMatchObject({ all: true });
    await admin("PATCH", `/admin/webhooks/endpoints/${everything.id}`, { enabled: false });
    expect(await stored()).toMatchObject({ all: false, types: ["order.billed.v1"] });
    await admin("PATCH", `/admin/webhooks/endpoints/${billed.id}`, { eventTypes: ["order.billed.v1", "shipping_label.created.v1"] });
    expect(await stored()).toMatchObject({ all: false, types: ["order.billed.v1", "shipping_label.created.v1"] });
    await admin("DELETE", `/admin/webhooks/endpoints/${billed.id}`);
    expect(await stored()).toMatchObject({ all: false, types: [] });
  });

  it("does not ask the registry about an event no endpoint takes, and still delivers one an endpoint takes", async () => {
    const target = receiver();
    const endpoint = await subscribe(target.url, ["order.billed.v1"]);
    const placed = placedEvent();
    await e.INTEGRATIONS_QUEUE.send(placed, { contentType: "json" });
    const billed = billedEvent(placed.subject, placed);
    await e.INTEGRATIONS_QUEUE.send(billed, { contentType: "json" });
    await deliveryWhere(endpoint.id, (d) => d.status === "delivered", "billed delivered");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await deliveries(endpoint.id)).map((d) => d.eventType)).toEqual(["order.billed.v1"]);
    // The registry never stored the placed event: nothing fanned it out.
    const stored = await runInDurableObject(registry(), async (_instance: WebhookRegistry, state) =>
      state.storage.sql.exec("SELECT event_id FROM messages WHERE event_id = ?", placed.id).toArray(),
    );
    expect(stored).toEqual([]);
  });

  it("reads the set once per TTL, and treats every type as taken without a binding, a set, or a working KV", async () => {
    const reads: string[] = [];
    const kv = (value: unknown) => ({ get: async (key: string) => (reads.push(key), value) }) as unknown as KVNamespace;
    const set = { all: false, types: ["order.billed.v1"], updatedAt: new Date(0).toISOString() };
    const cache = {};
    const env = { WEBHOOK_SUBSCRIPTIONS: kv(set), WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS: "30" };
    expect(await webhookSubscriptions(env, { cache, now: 0 })).toEqual(new Set(["order.billed.v1"]));
    expect(await webhookSubscriptions(env, { cache, now: 29_999 })).toEqual(new Set(["order.billed.v1"]));
    expect(reads).toHaveLength(1);
    await webhookSubscriptions(env, { cache, now: 30_000 });
    expect(reads).toHaveLength(2);

    expect(await webhookSubscriptions({}, { cache: {} })).toBeUndefined();
    expect(await webhookSubscriptions({ WEBHOOK_SUBSCRIPTIONS: kv(null) }, { cache: {} })).toBeUndefined();
    expect(await webhookSubscriptions({ WEBHOOK_SUBSCRIPTIONS: kv({ ...set, all: true }) }, { cache: {} })).toBeUndefined();
    const broken = { get: async () => Promise.reject(new Error("KV unavailable")) } as unknown as KVNamespace;
    expect(await webhookSubscriptions({ WEBHOOK_SUBSCRIPTIONS: broken }, { cache: {} })).toBeUndefined();
  });
});
