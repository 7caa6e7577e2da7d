import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { metered, meteredObject, queueOperations, takeMeterCounts } from "./meter";

// Runs in the Sales project, against Sales' real bindings (queues, Durable Objects).
const e = env as SalesEnv;
// Reports to it fail quietly and are kept; each test takes the counts before the first report.
const on = { ...e, METER_URL: "http://meter.invalid/sales" };

beforeEach(() => {
  takeMeterCounts();
});

describe("metering (bench only)", () => {
  it("hands the env through untouched when METER_URL is empty", async () => {
    let seen: unknown;
    const handler: ExportedHandler<SalesEnv> = metered({ fetch: (_request, env) => ((seen = env), new Response("ok")) } satisfies ExportedHandler<SalesEnv>);
    await handler.fetch!(new Request("https://sales/"), e, createExecutionContext());
    expect(seen).toBe(e);
    expect(takeMeterCounts()).toEqual({});
  });

  it("counts the invocation and each queue and Durable Object operation it makes", async () => {
    const handler: ExportedHandler<SalesEnv> = metered({
      async fetch(_request, env) {
        await env.PROJECTIONS_QUEUE.send({ small: true });
        await env.PROJECTIONS_QUEUE.sendBatch([{ body: { small: true } }, { body: "x".repeat(100_000) }]);
        const catalog = env.CATALOG.get(env.CATALOG.idFromName("catalog"));
        await catalog.list();
        await catalog.list();
        return new Response("ok");
      },
    } satisfies ExportedHandler<SalesEnv>);
    await handler.fetch!(new Request("https://sales/"), on, createExecutionContext());
    const counts = takeMeterCounts();
    expect(counts).toMatchObject({
      "workers.requests@fetch": 1,
      // 1 + 1 + 2: a message over 64 KB is billed as two operations.
      "queues.writes@PROJECTIONS_QUEUE": 4,
      "do.requests@CATALOG": 2,
    });
    expect(counts["do.wall_ms@CATALOG"]).toBeGreaterThanOrEqual(0);
  });

  it("counts a batch's reads, and a delete for every message acked or left to the implicit ack", async () => {
    const handler: ExportedHandler<SalesEnv> = metered({
      async queue(batch) {
        batch.messages[0]!.ack();
        batch.messages[1]!.retry({ delaySeconds: 5 });
      },
    } satisfies ExportedHandler<SalesEnv>);
    const batch = createMessageBatch<unknown>("sales", [0, 1, 2].map((i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: { i } })));
    const ctx = createExecutionContext();
    await handler.queue!(batch as MessageBatch<unknown>, on, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["m0"], retryMessages: [{ msgId: "m1" }] });
    expect(takeMeterCounts()).toEqual({
      "workers.requests@queue:sales": 1,
      "queues.reads@sales": 3,
      "queues.deletes@sales": 2,
      "queues.retries@sales": 1,
    });
  });

  it("counts a Durable Object's SQLite rows read and written, and each alarm set", async () => {
    const stub = e.STUCK_ORDERS.get(e.STUCK_ORDERS.idFromName("meter-test"));
    await runInDurableObject(stub, async (_instance, state) => {
      const object: { ctx?: DurableObjectState } = {};
      meteredObject(object, state, on);
      const sql = object.ctx!.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS meter_rows (k TEXT)");
      await new Promise((resolve) => setTimeout(resolve, 10));
      takeMeterCounts();
      sql.exec("INSERT INTO meter_rows VALUES ('a'), ('b'), ('c')");
      sql.exec("SELECT * FROM meter_rows").toArray();
      await object.ctx!.storage.setAlarm(Date.now() + 60_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await object.ctx!.storage.deleteAlarm();
    });
    expect(takeMeterCounts()).toEqual({ "do.rows_written@Object": 4, "do.rows_read@Object": 3 });
  });

  it("bills queue messages per 64 KB, metadata included", () => {
    expect(queueOperations({ id: "evt" })).toBe(1);
    expect(queueOperations("x".repeat(63_900))).toBe(1);
    expect(queueOperations("x".repeat(63_901))).toBe(2);
  });
});
