// The pipeline, choreo (placed → ready_to_ship) next to the durable relay (bench/workers/relay,
// three durable hops), each run the same three ways:
// - capacity: N orders placed as fast as accepted, followed to the end: orders/s sustained;
// - offered rate: orders placed open-loop at a fixed rate (by default half the capacity just
//   measured) for a fixed time: the latency a customer sees under that load;
// - alone: one order at a time on an otherwise idle system, each followed to the end.
// Choreo's operations are counted during its capacity run (the cost per order, with a backlog)
// and again during its offered-rate run (the cost per order at a steady rate).
import os from "node:os";
import { producerBindingOf, QUEUES, type OrderFlow } from "../src/contracts/topology.ts";
import { totalsOf, type Counts, type MeterCollector } from "./meter-collector.ts";
import { cpuMs, memoryMiB, sampleMemory } from "./processes.ts";
import { call, ORDER, RELAY, RELAY_METER, type Runtime } from "./stacks.ts";
import { latencies, percentile, type Latencies } from "./stats.ts";

/** One order (or relay message) from its placement to the end of its pipeline, in ms since the epoch. */
type Trip = { id: string; placedAt: number; doneAt: number };

export type PipelineResult = {
  orders: number;
  completed: number;
  /** Orders per second reaching ready_to_ship, from the first placement to the last completion. */
  throughput: number;
  /** Orders per second Sales accepted while they were being placed. */
  acceptRate: number;
  latencyMs: Latencies;
  wallSeconds: number;
  /** The machine's 1-minute load average when the run started. */
  loadAverage: number;
  /** CPU time of the runtime process (all workers) per order: an upper bound of what is billed. */
  cpuMsPerOrder: number;
  /** CPU per order of the stand-ins on the same cores: the provider sandbox, and the bench's Node process (the load, the meter's collector). */
  rigCpuMsPerOrder: { sandbox: number; bench: number };
  memory: { peakRssMiB: number; vmHwmMiB: number };
};

export type RelayResult = {
  messages: number;
  completed: number;
  throughput: number;
  latencyMs: Latencies;
  loadAverage: number;
  cpuMsPerMessage: number;
  /** What creating one empty Durable Object costs this runtime, in CPU ms (choreo creates four per order). */
  cpuMsPerNewObject: number;
};

/** Orders placed at a fixed rate for a fixed time (open loop: a slow answer does not slow the next order). */
export type RateResult = {
  offeredPerSecond: number;
  seconds: number;
  placed: number;
  sentPerSecond: number;
  completed: number;
  latencyMs: Latencies;
  loadAverage: number;
  /** Choreo's operations in this run, per worker, and the runtime's CPU per order: the cost of an order at a steady rate, without a backlog. */
  counted?: { counts: Record<string, Counts>; cpuMsPerOrder: number };
};
/** Orders placed one at a time, each on an idle system. */
export type AloneResult = { orders: number; completed: number; latenciesMs: number[]; medianMs: number; loadAverage: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const loadNow = () => os.loadavg()[0]!;

/** How the phases drive one system: place one order, wait until `n` placed since `begin()` are done, read their trips. */
type System = {
  place(): Promise<string>;
  begin(): Promise<void>;
  drain(n: number, timeoutSeconds: number): Promise<void>;
  trips(ids: string[]): Promise<Trip[]>;
  /** The operations counted since `begin()`, per worker (choreo's meter; the relay has none). */
  counts?(): Record<string, Counts>;
};

/** Sends `n` orders keeping `concurrency` in flight; returns their ids in order. */
async function placeConcurrently(system: System, n: number, concurrency: number): Promise<{ ids: string[]; seconds: number }> {
  const started = Date.now();
  const ids = await mapLimit(Array.from({ length: n }, (_, i) => i), concurrency, () => system.place());
  return { ids, seconds: (Date.now() - started) / 1000 };
}

const throughputOf = (trips: Trip[]) => trips.length / ((Math.max(...trips.map((t) => t.doneAt)) - Math.min(...trips.map((t) => t.placedAt))) / 1000);
const latenciesOf = (trips: Trip[]) => latencies(trips.map((t) => t.doneAt - t.placedAt));

async function atRate(system: System, options: { perSecond: number; seconds: number; timeoutSeconds: number; cpuMs?: () => number }): Promise<RateResult> {
  await system.begin();
  const loadAverage = loadNow();
  const cpuBefore = options.cpuMs?.();
  const n = Math.max(1, Math.round(options.perSecond * options.seconds));
  const started = performance.now();
  const placing: Promise<string>[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(started + (i * 1000) / options.perSecond - performance.now());
    placing.push(system.place());
  }
  const sentSeconds = (performance.now() - started) / 1000;
  const ids = await Promise.all(placing);
  await system.drain(n, options.timeoutSeconds);
  // Taken before the trips are read, so those reads are not billed to the orders.
  const counts = system.counts?.();
  const cpuMsPerOrder = cpuBefore === undefined ? 0 : (options.cpuMs!() - cpuBefore) / n;
  const trips = await system.trips(ids);
  return {
    ...(counts ? { counted: { counts, cpuMsPerOrder } } : {}),
    offeredPerSecond: options.perSecond,
    seconds: options.seconds,
    placed: n,
    sentPerSecond: n > 1 ? (n - 1) / sentSeconds : n,
    completed: trips.length,
    latencyMs: latenciesOf(trips),
    loadAverage,
  };
}

async function alone(system: System, options: { orders: number; timeoutSeconds: number }): Promise<AloneResult> {
  await system.begin();
  const loadAverage = loadNow();
  const trips: Trip[] = [];
  for (let i = 0; i < options.orders; i++) {
    await system.begin();
    const id = await system.place();
    await system.drain(1, options.timeoutSeconds);
    trips.push(...(await system.trips([id])));
  }
  const sorted = trips.map((t) => t.doneAt - t.placedAt).sort((a, b) => a - b);
  return { orders: options.orders, completed: trips.length, latenciesMs: sorted, medianMs: percentile(sorted, 50), loadAverage };
}

/** Checks until `done` says so (it also says how long to wait before the next check) or time is up. */
async function pollUntil(what: string, timeoutSeconds: number, done: () => [boolean, number] | Promise<[boolean, number]>): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const [finished, waitMs] = await done();
    if (finished) return;
    if (Date.now() > deadline) {
      console.warn(`  ${what} after ${timeoutSeconds}s; reporting what completed`);
      return;
    }
    await sleep(waitMs);
  }
}

/** Every queue has had every message it was sent deleted (acked). */
function drained(totals: Counts): boolean {
  return QUEUES.every((queue) => (totals[`queues.writes@${producerBindingOf(queue)}`] ?? 0) === (totals[`queues.deletes@${queue}`] ?? 0));
}

/**
 * `POST /orders` (to the relay with its host), expecting a 202; returns the id. Choreo's Sales
 * counts the order's rate limits in the isolate, as Cloudflare does (bench/edge-limits), not
 * through miniflare's stand-in, which writes a Durable Object row per count.
 */
async function placeOne(runtime: Runtime, host?: string): Promise<string> {
  const response = await call(runtime.url, "POST", "/orders", { body: ORDER, ...(host ? { host } : { headers: { "x-bench-rate-limits": "in-isolate" } }) });
  if (response.status !== 202) throw new Error(`${host ?? "choreo"} refused an order: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/**
 * An order's two facts reached Sales: by its queue (choreography), or from the four steps of
 * its workflow (orchestration: charge, record the payment, ship, record the label).
 */
const heardBack = (flow: OrderFlow, totals: Counts, n: number) =>
  flow === "choreography" ? (totals["queues.deletes@sales"] ?? 0) >= 2 * n : (totals["workflows.steps@OrderFlow"] ?? 0) >= 4 * n;

/** Choreo's own counts per worker: the relay is metered beside it, under its own name. */
function choreoCounts(meter: MeterCollector): Record<string, Counts> {
  const { [RELAY_METER]: _relay, ...choreo } = meter.snapshot();
  return choreo;
}

/** Choreo, followed by its meter: done when Sales has heard back twice per order, every queue is drained and nothing reported for a while. */
function choreoSystem(runtime: Runtime, meter: MeterCollector, flow: OrderFlow): System {
  return {
    place: () => placeOne(runtime),
    async begin() {
      await waitUntilQuiet(meter, 1_500, 60_000);
      meter.reset();
    },
    drain: (n, timeoutSeconds) =>
      pollUntil("choreo not drained", timeoutSeconds, () => {
        const totals = totalsOf(Object.values(choreoCounts(meter)));
        return [heardBack(flow, totals, n) && drained(totals) && meter.quietForMs() > 1_500, 100];
      }),
    async trips(ids) {
      const views = await mapLimit(ids, 16, async (id) => (await call(runtime.url, "GET", `/orders/${id}`, { admin: true })).body);
      // The timeline's ready_to_ship entry carries the label's time (Warehouse); Sales marks the
      // order ready one hop later, which is when its snapshot was last updated.
      return views.filter((order) => order.status === "ready_to_ship").map((order) => ({ id: order.id, placedAt: Date.parse(order.timeline[0].at), doneAt: Date.parse(order.updatedAt) }));
    },
    counts: () => choreoCounts(meter),
  };
}

/** The relay, followed by its last hop's record of what arrived. */
function relaySystem(runtime: Runtime): System {
  let done: Trip[] = [];
  return {
    place: () => placeOne(runtime, RELAY),
    async begin() {
      await call(runtime.url, "DELETE", "/stats", { host: RELAY });
      done = [];
    },
    drain: (n, timeoutSeconds) =>
      pollUntil("relay not through", timeoutSeconds, async () => {
        done = (await call(runtime.url, "GET", "/stats", { host: RELAY })).body.done;
        return [done.length >= n, n === 1 ? 10 : 100];
      }),
    async trips(ids) {
      const wanted = new Set(ids);
      return done.filter((trip) => wanted.has(trip.id));
    },
  };
}

/**
 * Both systems once through `n` orders (messages) before anything is measured: the first run of
 * a fresh runtime pays for cold isolates, JIT and new SQLite files (a first relay run was up to a
 * third slower than the one after choreo's), and what is compared is a system in service.
 */
export async function warmUp(runtime: Runtime, meter: MeterCollector, options: { orders: number; concurrency: number; timeoutSeconds: number; flow: OrderFlow }): Promise<void> {
  for (const system of [choreoSystem(runtime, meter, options.flow), relaySystem(runtime)]) {
    await system.begin();
    await placeConcurrently(system, options.orders, options.concurrency);
    await system.drain(options.orders, options.timeoutSeconds);
  }
}

export async function runPipeline(runtime: Runtime, sandbox: Runtime, meter: MeterCollector, options: { orders: number; concurrency: number; timeoutSeconds: number; flow: OrderFlow }) {
  const { orders, concurrency } = options;
  const choreo = choreoSystem(runtime, meter, options.flow);
  // The seeding's own reports: they come in after it (a meter reports every 200 ms), so first one must arrive.
  await waitUntilQuiet(meter, 2_000, 20_000, { afterAReport: true });
  meter.reset();
  const loadAverage = loadNow();
  const memory = sampleMemory(runtime.pid);
  const cpuBefore = cpuMs(runtime.pid);
  const sandboxCpuBefore = cpuMs(sandbox.pid);
  const benchCpuBefore = process.cpuUsage();
  const started = Date.now();
  const { ids, seconds } = await placeConcurrently(choreo, orders, concurrency);
  await choreo.drain(orders, options.timeoutSeconds);
  const cpu = cpuMs(runtime.pid) - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const rigCpuMsPerOrder = { sandbox: (cpuMs(sandbox.pid) - sandboxCpuBefore) / orders, bench: (benchCpu.user + benchCpu.system) / 1000 / orders };
  const peakRssMiB = memory.stop();
  // Per worker and added up, at the same moment: the cost and the per-worker table agree.
  const counts = choreoCounts(meter);
  const totals = totalsOf(Object.values(counts));
  const wallSeconds = (Date.now() - started) / 1000;

  // Read after the counts were taken, so these reads are not billed to the orders.
  const trips = await choreo.trips(ids);
  const result: PipelineResult = {
    orders,
    completed: trips.length,
    throughput: throughputOf(trips),
    acceptRate: orders / seconds,
    latencyMs: latenciesOf(trips),
    wallSeconds,
    loadAverage,
    cpuMsPerOrder: cpu / orders,
    rigCpuMsPerOrder,
    memory: { peakRssMiB, vmHwmMiB: memoryMiB(runtime.pid).peak },
  };
  return { result, counts, totals };
}

export async function runRelay(runtime: Runtime, options: { messages: number; concurrency: number; timeoutSeconds: number }): Promise<RelayResult> {
  const { messages, concurrency } = options;
  const relay = relaySystem(runtime);
  await relay.begin();
  const loadAverage = loadNow();
  const cpuBefore = cpuMs(runtime.pid);
  const { ids } = await placeConcurrently(relay, messages, concurrency);
  await relay.drain(messages, options.timeoutSeconds);
  const cpu = cpuMs(runtime.pid) - cpuBefore;
  const trips = await relay.trips(ids);
  const objects = 200;
  const objectsCpuBefore = cpuMs(runtime.pid);
  await call(runtime.url, "POST", `/objects?n=${objects}`, { host: RELAY });
  const cpuMsPerNewObject = (cpuMs(runtime.pid) - objectsCpuBefore) / objects;
  return {
    cpuMsPerNewObject,
    messages,
    completed: trips.length,
    throughput: throughputOf(trips),
    latencyMs: latenciesOf(trips),
    loadAverage,
    cpuMsPerMessage: cpu / messages,
  };
}

/** Choreo and the relay at an offered rate each (`perSecond` of their own), then alone. */
export async function runLatency(
  runtime: Runtime,
  meter: MeterCollector,
  options: { perSecond: { choreo: number; relay: number }; seconds: number; alone: number; timeoutSeconds: number; say: (line: string) => void; flow: OrderFlow },
) {
  const choreo = choreoSystem(runtime, meter, options.flow);
  const relay = relaySystem(runtime);
  const rate = (result: RateResult) =>
    `${result.completed}/${result.placed} at ${result.offeredPerSecond.toFixed(1)}/s offered (${result.sentPerSecond.toFixed(1)}/s sent) for ${result.seconds} s: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, load ${result.loadAverage.toFixed(2)}`;
  const one = (result: AloneResult) => `${result.completed}/${result.orders} one at a time: ${result.latenciesMs.join(", ")} ms (median ${result.medianMs} ms), load ${result.loadAverage.toFixed(2)}`;
  const choreoRate = await atRate(choreo, { perSecond: options.perSecond.choreo, seconds: options.seconds, timeoutSeconds: options.timeoutSeconds, cpuMs: () => cpuMs(runtime.pid) });
  options.say(`  choreo: ${rate(choreoRate)}`);
  const relayRate = await atRate(relay, { perSecond: options.perSecond.relay, seconds: options.seconds, timeoutSeconds: options.timeoutSeconds });
  options.say(`  relay:  ${rate(relayRate)}`);
  const choreoAlone = await alone(choreo, { orders: options.alone, timeoutSeconds: 30 });
  options.say(`  choreo: ${one(choreoAlone)}`);
  const relayAlone = await alone(relay, { orders: options.alone, timeoutSeconds: 30 });
  options.say(`  relay:  ${one(relayAlone)}`);
  return { rate: { choreo: choreoRate, relay: relayRate }, alone: { choreo: choreoAlone, relay: relayAlone } };
}

/** Until nothing was reported for `quietMs` (with `afterAReport`, and something was reported at all). */
async function waitUntilQuiet(meter: MeterCollector, quietMs: number, timeoutMs: number, options: { afterAReport?: boolean } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const waiting = () => meter.quietForMs() < quietMs || (options.afterAReport && meter.quietForMs() === Infinity);
  while (waiting() && Date.now() < deadline) await sleep(200);
}

export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}
