import type { WorkflowStep } from "cloudflare:workers";
import { errorMessage, log } from "../../src/platform/log";

/**
 * Bench only. When a worker's METER_URL is set (`npm run bench` sets it; it is empty in
 * production, where none of this runs), every operation Cloudflare bills is counted where it
 * happens, by one wrapper per binding kind, and the counts are sent to the bench's collector.
 * Counting, not estimating: the cost model in bench/ multiplies these counts by list prices.
 *
 * A count is named `<product>.<metric>@<label>`, e.g. `do.requests@ORDERS` or
 * `queues.reads@billing`; the label says where (binding, queue or object class).
 */

type KeepAlive = (promise: Promise<unknown>) => void;
type Tally = (name: string, n?: number) => void;
type MeterEnv = { METER_URL?: unknown };

/** How long counts gather before they are sent, so a busy isolate sends a few reports a second. */
const REPORT_EVERY_MS = 200;
/** A report still "in flight" after this long is taken as lost with its request. */
const REPORT_STALE_MS = 10_000;
/** Queues bill one operation per 64 KB (of 1,000 bytes) written, read or deleted, metadata included. */
const QUEUE_OP_BYTES = 64_000;
const QUEUE_MESSAGE_OVERHEAD_BYTES = 100;

const counts = new Map<string, number>();
let collector: string | undefined;
let reportingSince: number | undefined;
/** The counts of the report being sent: a failed report puts them back, unless a test took them. */
let inFlight: Record<string, number> | undefined;
let unmeteredFetch: typeof fetch | undefined;

function add(name: string, n: number): void {
  if (n !== 0) counts.set(name, (counts.get(name) ?? 0) + n);
}

/** A tally that also makes sure a report goes out while `keepAlive`'s invocation lives. */
function tallyFor(keepAlive: KeepAlive): Tally {
  return (name, n = 1) => {
    add(name, n);
    report(keepAlive);
  };
}

/** True while this isolate's report loop runs (one older than REPORT_STALE_MS is taken as lost). */
const loopAlive = () => reportingSince !== undefined && Date.now() - reportingSince < REPORT_STALE_MS;

/** At most one report loop per isolate; it sends until nothing is left to send. */
function report(keepAlive: KeepAlive): void {
  if (!collector || counts.size === 0 || loopAlive()) return;
  reportingSince = Date.now();
  const url = collector;
  keepAlive(
    (async () => {
      try {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, REPORT_EVERY_MS));
          if (counts.size === 0 || !(await sendCounts(url))) return;
        }
      } finally {
        reportingSince = undefined;
      }
    })(),
  );
}

/** Sends the counts gathered so far in one report; false when the collector could not be reached (they are kept). */
async function sendCounts(url: string): Promise<boolean> {
  const sent = (inFlight = Object.fromEntries(counts));
  counts.clear();
  try {
    const response = await (unmeteredFetch ?? fetch)(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sent) });
    await response.body?.cancel();
    return true;
  } catch (error) {
    if (inFlight === sent) for (const [name, n] of Object.entries(sent)) add(name, n); // kept for the next report
    log("warn", "meter collector unreachable", { error: errorMessage(error) });
    return false;
  } finally {
    if (inFlight === sent) inFlight = undefined;
  }
}

/**
 * A queue invocation's tally. It never starts the report loop: a consumer's batch is not
 * acknowledged until its waitUntil promises settle, so a loop kept alive by it would hold the
 * batch (and, locally, the queue's next one) for as long as the isolate stays busy. `flush`, at
 * the end of the batch, sends its counts itself unless a loop (a request's or an object's) will.
 */
function queueTally(): { tally: Tally; flush: () => Promise<void> } {
  return {
    tally: (name, n = 1) => add(name, n),
    async flush() {
      if (collector && counts.size > 0 && !loopAlive()) await sendCounts(collector);
    },
  };
}

/** Outbound subrequests (providers, webhooks): the isolate's fetch, counted once metering is on. */
function countOutboundFetches(): void {
  if (unmeteredFetch) return;
  const original = globalThis.fetch;
  unmeteredFetch = original;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    add(`subrequests.outbound@${destinationOf(input)}`, 1);
    return original(input, init);
  }) as typeof fetch;
}

function destinationOf(input: RequestInfo | URL): string {
  try {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return `${url.hostname}/${url.pathname.split("/")[1] ?? ""}`;
  } catch {
    return "unknown";
  }
}

function meteringOn(env: unknown): boolean {
  const url = (env as MeterEnv | undefined)?.METER_URL;
  if (typeof url !== "string" || url === "") return false;
  collector = url;
  countOutboundFetches();
  return true;
}

export function queueOperations(body: unknown): number {
  let bytes = QUEUE_MESSAGE_OVERHEAD_BYTES;
  try {
    bytes += new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)).byteLength;
  } catch {
    // Not JSON (a stream or a v8-serialised value): count its one operation.
  }
  return Math.max(1, Math.ceil(bytes / QUEUE_OP_BYTES));
}

/**
 * Wraps a worker's exported handler: each invocation is counted, and its env's bindings and
 * queue batch are metered. With METER_URL empty the original env and batch go through untouched.
 */
export function metered<H extends ExportedHandler<never>>(handler: H): H {
  const plain = handler as unknown as ExportedHandler<unknown>;
  const { fetch: onFetch, queue: onQueue } = plain;
  const wrapped: ExportedHandler<unknown> = { ...plain };
  if (onFetch) {
    wrapped.fetch = (request, env, ctx) => {
      if (!meteringOn(env)) return onFetch(request, env, ctx);
      const tally = tallyFor((promise) => ctx.waitUntil(promise));
      tally("workers.requests@fetch");
      return onFetch(request, meteredEnv(env, tally), ctx);
    };
  }
  if (onQueue) {
    wrapped.queue = async (batch, env, ctx) => {
      if (!meteringOn(env)) return onQueue(batch, env, ctx);
      const { tally, flush } = queueTally();
      tally(`workers.requests@queue:${batch.queue}`);
      const { batch: counted, settleRest } = meteredBatch(batch, tally);
      try {
        await onQueue(counted, meteredEnv(env, tally), ctx);
        settleRest("deleted");
      } catch (error) {
        settleRest("retried");
        throw error;
      } finally {
        await flush();
      }
    };
  }
  return wrapped as unknown as H;
}

/**
 * Meters a Durable Object from its constructor: SQLite rows read and written (from each
 * cursor, and by the key-value API), alarms set, deleted and run, and the bindings it calls.
 * Replaces `ctx` and `env` on the object, so the constructor must use `this.ctx` and
 * `this.env` after this call.
 */
export function meteredObject(object: object, ctx: DurableObjectState, env: object): void {
  if (!meteringOn(env)) return;
  const tally = tallyFor((promise) => ctx.waitUntil(promise));
  const label = object.constructor.name;
  Object.defineProperty(object, "ctx", { value: passThrough(ctx, { storage: meteredStorage(ctx.storage, label, tally) }) });
  Object.defineProperty(object, "env", { value: meteredEnv(env, tally) });
  countAlarms(object, label, tally);
}

type ObjectClass = abstract new (...args: any[]) => object;
const meteredStates = new WeakSet<DurableObjectState>();

/**
 * A Durable Object class, metered from outside: for entry modules that only the bench runs
 * (bench/metered/), so the class itself carries no metering. Counts what `meteredObject`
 * counts, its constructor's own schema set-up included. workerd's DurableObject accepts only
 * its real state object, so the metered storage is set on that object itself (not behind a
 * Proxy) before the class's constructor runs.
 */
export function meteredClass<C extends ObjectClass>(Base: C): C {
  const label = Base.name;
  abstract class Metered extends Base {
    constructor(...args: any[]) {
      const [ctx, env] = args as [DurableObjectState, object];
      const tally = meteringOn(env) ? tallyFor((promise) => ctx.waitUntil(promise)) : undefined;
      // Once per state object: were the class constructed again on it, it is metered already.
      if (tally && !meteredStates.has(ctx)) {
        meteredStates.add(ctx);
        Object.defineProperty(ctx, "storage", { value: meteredStorage(ctx.storage, label, tally) });
      }
      super(ctx, tally ? meteredEnv(env, tally) : env, ...args.slice(2));
      if (tally) countAlarms(this, label, tally);
    }
  }
  Object.defineProperty(Metered, "name", { value: label });
  return Metered as unknown as C;
}

/**
 * A Workflow class, metered from outside (bench/metered/order-flow): each run of `run` (an
 * instance starting, or resuming after a wait) is a billed invocation; the bindings its steps
 * call are metered; each step that completes is counted with the bytes of its result, the state
 * Cloudflare keeps (and bills as storage) for the instance's retention.
 */
export function meteredWorkflow<C extends WorkflowClass>(Base: C): C {
  const label = Base.name;
  const tallies = new WeakMap<object, Tally>();
  // `run` is a method of the class (workerd calls it over RPC, which sees only the prototype's).
  abstract class Metered extends Base {
    constructor(...args: any[]) {
      const [ctx, env] = args as [ExecutionContext, object];
      const tally = meteringOn(env) ? tallyFor((promise) => ctx.waitUntil(promise)) : undefined;
      super(ctx, tally ? meteredEnv(env, tally) : env, ...args.slice(2));
      if (tally) tallies.set(this, tally);
    }

    override run(event: unknown, step: WorkflowStep): Promise<unknown> {
      const tally = tallies.get(this);
      if (!tally) return super.run(event, step);
      tally(`workers.requests@workflow:${label}`);
      return super.run(event, meteredStep(step, label, tally));
    }
  }
  Object.defineProperty(Metered, "name", { value: label });
  return Metered as unknown as C;
}

type WorkflowClass = abstract new (...args: any[]) => { run(event: unknown, step: WorkflowStep): Promise<unknown> };

/** A workflow's `step`, counting each completed `do` and the size of the result kept for it. */
function meteredStep(step: WorkflowStep, label: string, tally: Tally): WorkflowStep {
  const counted =
    (callback: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      const result = await callback(...args);
      tally(`workflows.steps@${label}`);
      tally(`workflows.state_bytes@${label}`, new TextEncoder().encode(JSON.stringify(result ?? null)).byteLength);
      return result;
    };
  return passThrough(step, {
    do: (name: string, ...rest: unknown[]) => {
      const callback = rest.at(-1) as (...args: unknown[]) => Promise<unknown>;
      return (step.do as (...args: unknown[]) => Promise<unknown>)(name, ...rest.slice(0, -1), counted(callback));
    },
  });
}

/** Each run of the object's alarm() is a billed request. */
function countAlarms(object: object, label: string, tally: Tally): void {
  const alarm = (object as { alarm?: (...args: unknown[]) => unknown }).alarm;
  if (typeof alarm !== "function") return;
  Object.defineProperty(object, "alarm", {
    value: (...args: unknown[]) => {
      tally(`do.requests@alarm:${label}`);
      return alarm.apply(object, args);
    },
  });
}

/** Binds every function to `target`, so native objects keep working behind a Proxy. */
function passThrough<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get(t, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property];
      const value = (t as Record<PropertyKey, unknown>)[property];
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

/**
 * What the local runtime itself does with an object's SQLite: miniflare records the name of
 * each object got by name in a table of its own, through the same state object (which
 * `meteredClass` meters). Cloudflare does no such thing, so it is not counted.
 */
const LOCAL_ONLY = /__miniflare_do_name/;

function meteredStorage(storage: DurableObjectStorage, label: string, tally: Tally): DurableObjectStorage {
  const sql = storage.sql;
  const read = (n: number) => tally(`do.rows_read@${label}`, n);
  const written = (n: number) => tally(`do.rows_written@${label}`, n);
  // A cursor's rowsRead/rowsWritten are final once it has been read; that happens in the
  // same turn as exec(), so they are collected on the next one. They include what schema
  // changes write (in workerd a new table is 1 row written, 3 with a primary key's index; a
  // new index 1; an existing table's IF NOT EXISTS 0) and every index entry a write makes.
  let cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const collect = () => {
    for (const cursor of cursors) {
      read(cursor.rowsRead);
      written(cursor.rowsWritten);
    }
    cursors = [];
  };
  const meteredSql = passThrough(sql, {
    exec: (query: string, ...bindings: unknown[]) => {
      const cursor = sql.exec(query, ...bindings);
      if (LOCAL_ONLY.test(query)) return cursor;
      if (cursors.push(cursor) === 1) setTimeout(collect, 0);
      return cursor;
    },
  });
  // The key-value API keeps its keys in a hidden SQLite table and is billed in rows: each key
  // read is a row read, each key written or deleted a row written (a delete of a missing key
  // too: counted, conservatively). Alarms are billed as a row written each, set or deleted.
  const keys = (key: unknown) => (Array.isArray(key) ? key.length : 1);
  const alarms = (target: Pick<DurableObjectStorage, "setAlarm" | "deleteAlarm">) => ({
    setAlarm: (time: number | Date, options?: DurableObjectSetAlarmOptions) => {
      written(1);
      // Also kept apart: an alarm still set when a run ends will run (a billed request) after it.
      tally(`do.alarms_set@${label}`);
      return target.setAlarm(time, options);
    },
    deleteAlarm: (options?: DurableObjectSetAlarmOptions) => {
      written(1);
      tally(`do.alarms_deleted@${label}`);
      return target.deleteAlarm(options);
    },
  });
  type KvApi = Pick<DurableObjectStorage, "get" | "put" | "delete" | "list">;
  const kvApi = (target: KvApi) => ({
    get: (key: string | string[], options?: DurableObjectGetOptions) => {
      read(keys(key));
      return target.get(key as string, options);
    },
    list: async (options?: DurableObjectListOptions) => {
      const found = await target.list(options);
      read(found.size);
      return found;
    },
    put: (key: string | Record<string, unknown>, ...rest: unknown[]) => {
      written(typeof key === "string" ? 1 : Object.keys(key).length);
      return (target.put as (...args: unknown[]) => Promise<void>)(key, ...rest);
    },
    delete: (key: string | string[], options?: DurableObjectPutOptions) => {
      written(keys(key));
      return target.delete(key as string, options);
    },
  });
  const kv = storage.kv;
  const meteredKv = passThrough(kv, {
    get: (key: string) => {
      read(1);
      return kv.get(key);
    },
    put: (key: string, value: unknown) => {
      written(1);
      kv.put(key, value);
    },
    delete: (key: string) => {
      written(1);
      return kv.delete(key);
    },
    list: function* (options?: SyncKvListOptions) {
      for (const entry of kv.list(options)) {
        read(1);
        yield entry;
      }
    },
  });
  return passThrough(storage, {
    sql: meteredSql,
    kv: meteredKv,
    ...kvApi(storage),
    ...alarms(storage),
    transaction: <T>(closure: (txn: DurableObjectTransaction) => Promise<T>) =>
      storage.transaction((txn) => closure(passThrough(txn, { ...kvApi(txn), ...alarms(txn) }))),
    // Counted before it happens, conservatively: every key and every row of every table it deletes.
    deleteAll: (options?: DurableObjectPutOptions) => {
      written(storedRows(storage));
      return storage.deleteAll(options);
    },
  });
}

/** Keys of the key-value API and rows of the object's own tables (read without being counted). */
function storedRows(storage: DurableObjectStorage): number {
  let rows = 0;
  for (const _ of storage.kv.list()) rows++;
  const tables = storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
  for (const { name } of tables) rows += storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).one().n;
  return rows;
}

type Binding = Record<string, unknown>;
const has = (value: unknown, method: string) => typeof (value as Binding | null)?.[method] === "function";

/**
 * The env with each binding wrapped by its kind; vars and secrets are left as they are, but
 * METER_URL is emptied, so that a meter inside this one (a worker's own `metered` or
 * `meteredObject` under a bench entry module) counts nothing a second time.
 */
function meteredEnv<E>(env: E, tally: Tally): E {
  const out: Record<string, unknown> = { ...(env as Record<string, unknown>), METER_URL: "" };
  for (const [name, value] of Object.entries(out)) {
    if (typeof value !== "object" || value === null) continue;
    // A Workflow binding: what its instances do is counted by meteredWorkflow.
    if (has(value, "createBatch")) continue;
    if (has(value, "idFromName")) out[name] = meteredNamespace(value as DurableObjectNamespace, name, tally);
    else if (has(value, "prepare") && has(value, "batch")) out[name] = meteredD1(value as D1Database, name, tally);
    else if (has(value, "createMultipartUpload")) out[name] = meteredR2(value as R2Bucket, name, tally);
    else if (has(value, "getWithMetadata")) out[name] = meteredKv(value as KVNamespace, name, tally);
    else if (has(value, "sendBatch")) out[name] = meteredQueue(value as Queue, name, tally);
    else if (has(value, "fetch")) out[name] = meteredService(value as Fetcher, name, tally);
  }
  return out as E;
}

function meteredBatch(batch: MessageBatch, tally: Tally) {
  const unsettled = new Map<Message, number>();
  const settle = (message: Message, how: "deleted" | "retried") => {
    const ops = unsettled.get(message);
    if (ops === undefined) return;
    unsettled.delete(message);
    if (how === "deleted") tally(`queues.deletes@${batch.queue}`, ops);
    else tally(`queues.retries@${batch.queue}`); // its redelivery is read (and billed) again
  };
  const messages = batch.messages.map((message) => {
    const ops = queueOperations(message.body);
    tally(`queues.reads@${batch.queue}`, ops);
    unsettled.set(message, ops);
    return passThrough(message, {
      ack: () => {
        settle(message, "deleted");
        message.ack();
      },
      retry: (options?: QueueRetryOptions) => {
        settle(message, "retried");
        message.retry(options);
      },
    });
  });
  const counted = passThrough(batch, {
    messages,
    ackAll: () => {
      for (const message of batch.messages) settle(message, "deleted");
      batch.ackAll();
    },
    retryAll: (options?: QueueRetryOptions) => {
      for (const message of batch.messages) settle(message, "retried");
      batch.retryAll(options);
    },
  });
  // Messages a handler neither acked nor retried are acked when it returns, retried when it throws.
  const settleRest = (how: "deleted" | "retried") => {
    for (const message of [...unsettled.keys()]) settle(message, how);
  };
  return { batch: counted, settleRest };
}

function meteredQueue(queue: Queue, name: string, tally: Tally): Queue {
  return passThrough(queue, {
    send: (body: unknown, options?: QueueSendOptions) => {
      tally(`queues.writes@${name}`, queueOperations(body));
      return queue.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      tally(`queues.writes@${name}`, list.reduce((ops, message) => ops + queueOperations(message.body), 0));
      return queue.sendBatch(list, options);
    },
  });
}

/** Every method call on a stub is one RPC session, one billed request; its wall time is kept too. */
function meteredNamespace(namespace: DurableObjectNamespace, name: string, tally: Tally): DurableObjectNamespace {
  const stubOf = (stub: DurableObjectStub) =>
    new Proxy(stub, {
      get(target, property) {
        const value = (target as unknown as Record<PropertyKey, unknown>)[property];
        if (typeof property !== "string" || property === "then" || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          tally(`do.requests@${name}`);
          const started = Date.now();
          // Reflect.apply: on an RPC stub, `.apply` would be taken for a remote method's name.
          const result = Reflect.apply(value, target, args) as unknown;
          const done = () => tally(`do.wall_ms@${name}`, Date.now() - started);
          Promise.resolve(result).then(done, done);
          return result;
        };
      },
    });
  return passThrough(namespace, {
    get: (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => stubOf(namespace.get(id, options)),
    getByName: (objectName: string, options?: DurableObjectNamespaceGetDurableObjectOptions) => stubOf(namespace.getByName(objectName, options)),
  });
}

function meteredD1(db: D1Database, name: string, tally: Tally): D1Database {
  const counted = (result: D1Result | D1Response) => {
    tally(`d1.queries@${name}`);
    tally(`d1.rows_read@${name}`, result.meta.rows_read ?? 0);
    tally(`d1.rows_written@${name}`, result.meta.rows_written ?? 0);
  };
  const natives = new WeakMap<object, D1PreparedStatement>();
  const statementOf = (native: D1PreparedStatement): D1PreparedStatement => {
    const statement = passThrough(native, {
      bind: (...values: unknown[]) => statementOf(native.bind(...values)),
      all: async () => {
        const result = await native.all();
        counted(result);
        return result;
      },
      run: async () => {
        const result = await native.run();
        counted(result);
        return result;
      },
      // first() has no meta; all() reads the same rows, so it stands in to count them.
      first: async (column?: string) => {
        const result = await native.all<Record<string, unknown>>();
        counted(result);
        const row = result.results[0];
        return row === undefined ? null : column === undefined ? row : (row[column] ?? null);
      },
      raw: (options?: { columnNames?: boolean }) => {
        tally(`d1.unmetered_queries@${name}`); // raw() reports no rows read or written
        return native.raw(options as { columnNames: true });
      },
    });
    natives.set(statement, native);
    return statement;
  };
  return passThrough(db, {
    prepare: (query: string) => statementOf(db.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements.map((statement) => natives.get(statement) ?? statement));
      for (const result of results) counted(result);
      return results;
    },
  });
}

function meteredR2(bucket: R2Bucket, name: string, tally: Tally): R2Bucket {
  const classA = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A) => {
    tally(`r2.class_a@${name}`);
    return call(...args);
  };
  const classB = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A) => {
    tally(`r2.class_b@${name}`);
    return call(...args);
  };
  return passThrough(bucket, {
    put: classA(bucket.put.bind(bucket)),
    list: classA(bucket.list.bind(bucket)),
    createMultipartUpload: classA(bucket.createMultipartUpload.bind(bucket)),
    get: classB(bucket.get.bind(bucket)),
    head: classB(bucket.head.bind(bucket)),
    delete: (keys: string | string[]) => {
      tally(`r2.free@${name}`, Array.isArray(keys) ? keys.length : 1); // deletes are not billed
      return bucket.delete(keys);
    },
  });
}

function meteredKv(kv: KVNamespace, name: string, tally: Tally): KVNamespace {
  const keysIn = (key: unknown) => (Array.isArray(key) ? key.length : 1);
  const read = (call: (...args: never[]) => unknown) => (key: unknown, ...rest: unknown[]) => {
    tally(`kv.reads@${name}`, keysIn(key));
    return (call as (...args: unknown[]) => unknown).call(kv, key, ...rest);
  };
  return passThrough(kv, {
    get: read(kv.get),
    getWithMetadata: read(kv.getWithMetadata),
    put: (key: string, ...rest: unknown[]) => {
      tally(`kv.writes@${name}`);
      return (kv.put as (...args: unknown[]) => unknown).call(kv, key, ...rest);
    },
    delete: (key: string) => {
      tally(`kv.deletes@${name}`);
      return kv.delete(key);
    },
    list: (options?: KVNamespaceListOptions) => {
      tally(`kv.lists@${name}`);
      return kv.list(options);
    },
  });
}

/** Calls to another worker over a service binding: not billed as requests, counted for the record. */
function meteredService(service: Fetcher, name: string, tally: Tally): Fetcher {
  return passThrough(service, {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      tally(`subrequests.service@${name}`);
      return service.fetch(input, init);
    },
  });
}

/** Tests only: whether this isolate's report loop is running. */
export const meterReporting = (): boolean => loopAlive();

/** Tests only: the counts not yet reported (a report still on its way included), emptied. */
export function takeMeterCounts(): Record<string, number> {
  const taken: Record<string, number> = { ...inFlight };
  for (const [name, n] of counts) taken[name] = (taken[name] ?? 0) + n;
  counts.clear();
  inFlight = undefined;
  return taken;
}
