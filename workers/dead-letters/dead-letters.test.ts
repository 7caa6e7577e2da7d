import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeadLetter } from "../../src/contracts/dead-letter";
import { billedEvent, placedEvent } from "../../test/fixtures/orders";
import { tapped } from "../../test/fixtures/tap";
import { archiveOf } from "./archive";
import worker from "./index";

const e = env as DeadLettersEnv;
const tap = (env as unknown as { TAP: Fetcher }).TAP;

async function arrive(deadLetterQueue: string, bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    deadLetterQueue,
    bodies.map((body, i) => ({ id: `d${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, e, ctx);
  return getQueueResult(batch, ctx);
}

async function api(method: string, path: string, body?: unknown, token = "test-admin-token") {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const request = new Request(`https://dead-letters${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, e, {} as ExecutionContext);
  return { status: response.status, json: (await response.json()) as any };
}

const wrap = (queue: string, body: unknown, reason: DeadLetter["reason"] = "rejected", error = "card declined"): DeadLetter => ({
  kind: "dead_letter",
  queue,
  reason,
  error,
  attempts: 3,
  failedAt: new Date().toISOString(),
  body,
});

const letterFor = async (eventId: string) => (await api("GET", `/admin/dead-letters?limit=500`)).json.letters.find((l: { eventId?: string }) => l.eventId === eventId);

describe("dead-letter intake", () => {
  it("keeps a parked message with its queue, event, reason and error", async () => {
    const placed = placedEvent();
    const result = await arrive("billing-dlq", [wrap("billing", placed)]);
    expect(result.ackAll).toBe(true);
    const letter = await letterFor(placed.id);
    expect(letter).toMatchObject({
      queue: "billing",
      eventType: "order.placed.v1",
      subject: placed.subject,
      reason: "rejected",
      error: "card declined",
      status: "parked",
      failures: 1,
      body: placed,
    });
  });

  it("keeps each endpoint's dead webhook delivery of one event as its own letter", async () => {
    const placed = placedEvent();
    await arrive("integrations-dlq", [{ ...placed, deliveryid: "dlv_A" }, { ...placed, deliveryid: "dlv_B" }]);
    const letters = (await api("GET", `/admin/dead-letters?limit=500`)).json.letters.filter((l: { eventId?: string }) => l.eventId === placed.id);
    expect(letters.map((l: { body: { deliveryid: string } }) => l.body.deliveryid).sort()).toEqual(["dlv_A", "dlv_B"]);
  });

  it("keeps a bare message Cloudflare moved after its last retry, naming the queue it came from", async () => {
    const billed = billedEvent(placedEvent().subject);
    await arrive("warehouse-dlq", [billed]);
    expect(await letterFor(billed.id)).toMatchObject({ queue: "warehouse", reason: "retries_exhausted", eventType: "order.billed.v1" });
  });

  it("names the queue itself for a bare message from an app's prefixed dead-letter queue, so the filter and replay know it", async () => {
    const billed = billedEvent(placedEvent().subject);
    await arrive("shop-warehouse-dlq", [billed]);
    expect(await letterFor(billed.id)).toMatchObject({ queue: "warehouse", reason: "retries_exhausted" });
    const listed = (await api("GET", "/admin/dead-letters?queue=warehouse&limit=500")).json.letters;
    expect(listed.map((l: { eventId?: string }) => l.eventId)).toContain(billed.id);
  });

  it("keeps a message that is not even an event", async () => {
    const marker = crypto.randomUUID();
    await arrive("sales-dlq", [wrap("sales", { marker }, "invalid_envelope", "specversion: expected 1.0")]);
    const { letters } = (await api("GET", "/admin/dead-letters?queue=sales&limit=500")).json;
    expect(letters.find((l: { body: { marker?: string } }) => l.body?.marker === marker)).toMatchObject({ reason: "invalid_envelope" });
  });

  it("counts a message that dies again as the same letter", async () => {
    const placed = placedEvent();
    await arrive("billing-dlq", [wrap("billing", placed)]);
    await arrive("billing-dlq", [wrap("billing", placed, "retries_exhausted", "Stripe answered 500")]);
    const letter = await letterFor(placed.id);
    expect(letter).toMatchObject({ failures: 2, reason: "retries_exhausted", error: "Stripe answered 500" });
  });
});

describe("dead-letter retention", () => {
  it("deletes a letter 30 days after it last changed, on the archive's alarm, and keeps the newer ones", async () => {
    const [old, recent] = [placedEvent(), placedEvent()];
    await arrive("billing-dlq", [wrap("billing", old), wrap("billing", recent)]);
    const stub = archiveOf(e);
    const day = 24 * 3600_000;
    expect(await runInDurableObject(stub, (_archive, state) => state.storage.getAlarm())).toBeLessThanOrEqual(Date.now() + 30 * day);

    await runInDurableObject(stub, (_archive, state) => {
      state.storage.sql.exec("UPDATE letters SET updated_at = ? WHERE event_id = ?", new Date(Date.now() - 30 * day - 1000).toISOString(), old.id);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await letterFor(old.id)).toBeUndefined();
    expect(await letterFor(recent.id)).toMatchObject({ status: "parked" });
    // Set again for the letters left.
    expect(await runInDurableObject(stub, (_archive, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 29 * day);
  });
});

describe("dead-letter admin API", () => {
  it("filters by queue, type and status, and pages with a cursor", async () => {
    const type = "shipping_label.created.v1";
    for (let i = 0; i < 3; i++) await arrive("sales-dlq", [wrap("sales", { ...billedEvent(placedEvent().subject), type })]);
    const first = (await api("GET", `/admin/dead-letters?queue=sales&type=${type}&status=parked&limit=2`)).json;
    expect(first.letters).toHaveLength(2);
    expect(first.nextCursor).toBeDefined();
    const second = (await api("GET", `/admin/dead-letters?queue=sales&type=${type}&status=parked&limit=2&cursor=${first.nextCursor}`)).json;
    expect(second.letters).toHaveLength(1);
    const ids = [...first.letters, ...second.letters].map((l: { id: string }) => l.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("refuses a cursor it never handed out, and filters that name no queue or type, with 422 and the field", async () => {
    for (const path of ["/admin/dead-letters?cursor=a", "/admin/dead-letters?queue=", "/admin/dead-letters?queue=nowhere", "/admin/dead-letters?type=teleported"]) {
      const res = await api("GET", path);
      expect(res.status, path).toBe(422);
      expect(res.json.type).toBe("/problems/validation-failed");
      expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([path.split("?")[1]!.split("=")[0]]);
    }
  });

  it("refuses to replay with an empty queue instead of replaying every parked letter", async () => {
    const placed = placedEvent();
    await arrive("billing-dlq", [wrap("billing", placed)]);
    const letter = await letterFor(placed.id);
    const res = await api("POST", "/admin/dead-letters/replay", { queue: "" });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(["queue"]);
    expect((await api("GET", `/admin/dead-letters/${letter.id}`)).json).toMatchObject({ status: "parked", replays: 0 });
  });

  it("replays one letter to its original queue, as it was", async () => {
    const placed = placedEvent();
    await arrive("billing-dlq", [wrap("billing", placed)]);
    const letter = await letterFor(placed.id);
    const res = await api("POST", `/admin/dead-letters/${letter.id}/replay`);
    expect(res).toMatchObject({ status: 200, json: { replayed: [letter.id], skipped: [] } });
    const [sent] = await tapped(tap, (m) => m.body.id === placed.id);
    expect(sent).toMatchObject({ queue: "billing", body: placed });
    expect((await api("GET", `/admin/dead-letters/${letter.id}`)).json).toMatchObject({ status: "replayed", replays: 1 });
  });

  it("replays every parked letter of a queue at once", async () => {
    const events = [billedEvent(placedEvent().subject), billedEvent(placedEvent().subject)];
    await arrive("warehouse-dlq", events.map((event) => wrap("warehouse", event)));
    const res = await api("POST", "/admin/dead-letters/replay", { queue: "warehouse" });
    expect(res.status).toBe(200);
    const replayed = await tapped(tap, (m) => events.some((event) => event.id === m.body.id), 2);
    expect(replayed.map((m) => m.queue)).toEqual(["warehouse", "warehouse"]);
    const parked = (await api("GET", "/admin/dead-letters?queue=warehouse&status=parked")).json.letters;
    expect(parked).toEqual([]);
  });

  it("replays a selection of more ids than one SQLite statement may bind", async () => {
    const marker = crypto.randomUUID();
    await arrive("sales-dlq", Array.from({ length: 120 }, (_, n) => wrap("sales", { marker, n }, "invalid_envelope", "not an event")));
    const { letters } = (await api("GET", "/admin/dead-letters?queue=sales&status=parked&limit=500")).json;
    const ids = letters.filter((l: { body: { marker?: string } }) => l.body?.marker === marker).map((l: { id: string }) => l.id);
    expect(ids).toHaveLength(120);
    const res = await api("POST", "/admin/dead-letters/replay", { ids });
    expect(res.status).toBe(200);
    expect([...res.json.replayed].sort()).toEqual([...ids].sort());
    expect(await tapped(tap, (m) => (m.body as { marker?: string }).marker === marker, 120)).toHaveLength(120);
  });

  it("discards a letter, which is then never replayed", async () => {
    const placed = placedEvent();
    await arrive("billing-dlq", [wrap("billing", placed)]);
    const letter = await letterFor(placed.id);
    expect((await api("DELETE", `/admin/dead-letters/${letter.id}`)).json.status).toBe("discarded");
    expect((await api("POST", `/admin/dead-letters/${letter.id}/replay`)).json).toEqual({ replayed: [], skipped: [{ id: letter.id, reason: "discarded" }] });
  });

  it("discards a letter with the operator's reason, and refuses a discard without one", async () => {
    const placed = placedEvent();
    await arrive("billing-dlq", [wrap("billing", placed)]);
    const letter = await letterFor(placed.id);
    expect((await api("POST", `/admin/dead-letters/${letter.id}/discard`, { reason: "  " })).status).toBe(422);
    expect((await api("GET", `/admin/dead-letters/${letter.id}`)).json.status).toBe("parked");
    const res = await api("POST", `/admin/dead-letters/${letter.id}/discard`, { reason: "test order, refunded by hand" });
    expect(res.json).toMatchObject({ status: "discarded", discardReason: "test order, refunded by hand" });
    expect((await api("POST", "/admin/dead-letters/dl_00000000000000000000000000/discard", { reason: "x" })).status).toBe(404);
  });

  it("lists and replays the parked letters of one order", async () => {
    const mine = placedEvent();
    const other = placedEvent();
    await arrive("billing-dlq", [wrap("billing", mine), wrap("billing", other)]);
    const listed = (await api("GET", `/admin/dead-letters?subject=${mine.subject}`)).json.letters;
    expect(listed.map((l: { eventId: string }) => l.eventId)).toEqual([mine.id]);
    const res = await api("POST", "/admin/dead-letters/replay", { subject: mine.subject });
    expect(res.json.replayed).toEqual([listed[0].id]);
    expect((await letterFor(other.id)).status).toBe("parked");
  });

  it("refuses strangers, unknown ids and empty selections", async () => {
    expect((await api("GET", "/admin/dead-letters", undefined, "wrong")).status).toBe(401);
    expect((await api("GET", "/admin/dead-letters/dl_00000000000000000000000000")).status).toBe(404);
    expect((await api("GET", "/admin/dead-letters/nope")).status).toBe(422);
    const empty = await api("POST", "/admin/dead-letters/replay", {});
    expect(empty.status).toBe(422);
    expect((await api("GET", "/admin/dead-letters?status=lost")).status).toBe(422);
  });
});
