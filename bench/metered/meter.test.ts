import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { DurableObject, env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { metered, meteredClass, meteredObject, meterReporting, queueOperations, takeMeterCounts } from "./meter";

// Runs in the bench project, against Sales' real bindings (queues, Durable Objects).
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

  it("never holds a batch open: a consumer's batch waits for its waitUntil promises before it is acknowledged", async () => {
    const handler: ExportedHandler<SalesEnv> = metered({
      async queue(_batch, env) {
        await env.PROJECTIONS_QUEUE.send({ small: true });
      },
    } satisfies ExportedHandler<SalesEnv>);
    const batch = createMessageBatch<unknown>("sales", [{ id: "m0", timestamp: new Date(), attempts: 1, body: {} }]);
    // An earlier test's loop ends at its first report (to an unreachable collector).
    await vi.waitFor(() => expect(meterReporting()).toBe(false), { timeout: 5_000 });
    const ctx = createExecutionContext();
    const held: Promise<unknown>[] = [];
    const watched = Object.assign(Object.create(ctx) as ExecutionContext, {
      waitUntil(promise: Promise<unknown>) {
        held.push(promise);
        ctx.waitUntil(promise);
      },
    });
    await handler.queue!(batch as MessageBatch<unknown>, on, watched);
    expect(held).toHaveLength(0);
    expect(meterReporting()).toBe(false);
    // Sent as the batch ended; the collector here is unreachable, so they are kept for the next report.
    expect(takeMeterCounts()).toMatchObject({ "workers.requests@queue:sales": 1, "queues.writes@PROJECTIONS_QUEUE": 1 });
  });

  /** Runs `work` on a fresh object's metered state; returns what it counted (schema set-up left out). */
  async function inObject(name: string, work: (storage: DurableObjectStorage) => Promise<void> | void, setUp?: (storage: DurableObjectStorage) => void) {
    const stub = e.STUCK_ORDERS.get(e.STUCK_ORDERS.idFromName(name));
    await runInDurableObject(stub, async (_instance, state) => {
      const object: { ctx?: DurableObjectState } = {};
      meteredObject(object, state, on);
      setUp?.(object.ctx!.storage);
      await new Promise((resolve) => setTimeout(resolve, 10));
      takeMeterCounts();
      await work(object.ctx!.storage);
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    return takeMeterCounts();
  }

  it("counts a Durable Object's SQLite rows read and written, and each alarm set or deleted", async () => {
    const counts = await inObject(
      "meter-sql",
      async (storage) => {
        storage.sql.exec("INSERT INTO meter_rows VALUES ('a'), ('b'), ('c')");
        storage.sql.exec("SELECT * FROM meter_rows").toArray();
        await storage.setAlarm(Date.now() + 60_000);
        await storage.deleteAlarm();
      },
      (storage) => storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_rows (k TEXT)"),
    );
    // Alarms are also counted apart: one still set when a run ends runs later, a request of its own.
    expect(counts).toEqual({ "do.rows_written@Object": 5, "do.rows_read@Object": 3, "do.alarms_set@Object": 1, "do.alarms_deleted@Object": 1 });
  });

  it("counts creating a table or an index as the rows workerd says they write, and an index entry per row", async () => {
    const written: (number | undefined)[] = [];
    await inObject("meter-schema", async (storage) => {
      for (const query of [
        "CREATE TABLE IF NOT EXISTS meter_plain (k TEXT)",
        "CREATE TABLE IF NOT EXISTS meter_plain (k TEXT)",
        "CREATE TABLE meter_keyed (k TEXT PRIMARY KEY, v TEXT)",
        "CREATE INDEX meter_keyed_v ON meter_keyed (v)",
        "INSERT INTO meter_keyed VALUES ('a', 'x')",
      ]) {
        storage.sql.exec(query);
        await new Promise((resolve) => setTimeout(resolve, 1));
        written.push(takeMeterCounts()["do.rows_written@Object"]);
      }
    });
    // Schema changes are rows written in workerd's cursor, so the meter bills them: a new table
    // its schema entry (and its key's index), a new index one; a table that exists, nothing.
    expect(written).toEqual([
      expect.toSatisfy((n: number) => n >= 1), // 1 or 2 seen, by what else the object's first write records
      undefined,
      3, // its schema entry, its primary key's index and that index's schema entry
      1,
      3, // the row, its primary key's index entry and meter_keyed_v's
    ]);
  });

  it("counts the key-value API in rows: a row read per key read, a row written per key put or deleted", async () => {
    const counts = await inObject("meter-kv", async (storage) => {
      await storage.put("a", 1);
      await storage.put({ b: 2, c: 3 });
      expect(await storage.get("a")).toBe(1);
      expect((await storage.get(["a", "b", "missing"])).size).toBe(2);
      expect((await storage.list({ prefix: "" })).size).toBe(3);
      await storage.delete("a");
      await storage.delete(["b", "missing"]);
      // the synchronous API on SQLite-backed objects
      storage.kv.put("d", { n: 4 });
      expect(storage.kv.get("d")).toEqual({ n: 4 });
      expect([...storage.kv.list()].map(([key]) => key)).toEqual(["c", "d"]);
      storage.kv.delete("d");
      await storage.transaction(async (txn) => {
        await txn.put("e", 5);
        await txn.get("e");
      });
    });
    // written: 1 + 2 + 1 + 2 + 1 + 1 + 1 (txn) = 9; read: 1 + 3 + 3 + 1 + 2 + 1 (txn) = 11
    expect(counts).toEqual({ "do.rows_written@Object": 9, "do.rows_read@Object": 11 });
  });

  it("counts deleteAll as a row written for every key and every row it deletes", async () => {
    const counts = await inObject(
      "meter-delete-all",
      (storage) => storage.deleteAll(),
      (storage) => {
        storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_gone (k TEXT)");
        storage.sql.exec("INSERT INTO meter_gone VALUES ('a'), ('b')");
        storage.kv.put("k", 1);
      },
    );
    expect(counts).toEqual({ "do.rows_written@Object": 3 });
  });

  it("meters a Durable Object class from outside, its constructor included", async () => {
    class Ledger extends DurableObject<SalesEnv> {
      constructor(ctx: DurableObjectState, env: SalesEnv) {
        super(ctx, env);
        this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_ledger (k TEXT)");
      }
      async record(): Promise<void> {
        this.ctx.storage.kv.put("last", 1);
        await this.env.WEBHOOK_SUBSCRIPTIONS.get("meter-test");
        await this.ctx.storage.setAlarm(Date.now() + 60_000);
      }
      override async alarm(): Promise<void> {
        await this.ctx.storage.deleteAlarm();
      }
    }
    const Metered = meteredClass(Ledger);
    expect(Metered.name).toBe("Ledger");
    const stub = e.STUCK_ORDERS.get(e.STUCK_ORDERS.idFromName("meter-class"));
    await runInDurableObject(stub, async (_instance, state) => {
      takeMeterCounts();
      const ledger = new Metered(state, on);
      expect(ledger).toBeInstanceOf(Ledger);
      await ledger.record();
      await ledger.alarm();
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    expect(takeMeterCounts()).toEqual({
      // the new table (1 or 2, as measured above), the key, the alarm set and deleted
      "do.rows_written@Ledger": expect.toSatisfy((n: number) => n === 4 || n === 5),
      "do.rows_read@Ledger": expect.any(Number),
      "kv.reads@WEBHOOK_SUBSCRIPTIONS": 1,
      "do.requests@alarm:Ledger": 1,
      "do.alarms_set@Ledger": 1,
      "do.alarms_deleted@Ledger": 1,
    });
  });

  it("leaves out what only the local runtime writes (miniflare's table of object names)", async () => {
    const counts = await inObject("meter-local", (storage) => {
      storage.sql.exec("CREATE TABLE IF NOT EXISTS __miniflare_do_name (id INTEGER PRIMARY KEY, name TEXT)");
      storage.sql.exec("INSERT OR REPLACE INTO __miniflare_do_name (id, name) VALUES (0, 'meter-local')");
      storage.sql.exec("CREATE TABLE IF NOT EXISTS meter_counted (k TEXT)");
    });
    expect(counts).toEqual({ "do.rows_written@Object": expect.toSatisfy((n: number) => n === 1 || n === 2), "do.rows_read@Object": expect.any(Number) });
  });

  it("bills queue messages per 64 KB, metadata included", () => {
    expect(queueOperations({ id: "evt" })).toBe(1);
    expect(queueOperations("x".repeat(63_900))).toBe(1);
    expect(queueOperations("x".repeat(63_901))).toBe(2);
  });
});
