// The pipeline: N orders placed as fast as Sales accepts them, followed to ready_to_ship; and
// the bare relay (bench/workers/relay) carrying N messages over the same three hops.
import { producerBindingOf, QUEUES } from "../src/contracts/topology.ts";
import { totalsOf, type Counts, type MeterCollector } from "./meter-collector.ts";
import { cpuMs, memoryMiB, sampleMemory } from "./processes.ts";
import { call, ORDER, RELAY, type Runtime } from "./stacks.ts";
import { latencies, type Latencies } from "./stats.ts";

export type PipelineResult = {
  orders: number;
  completed: number;
  /** Orders per second reaching ready_to_ship, from the first placement to the last completion. */
  throughput: number;
  /** Orders per second Sales accepted while they were being placed. */
  acceptRate: number;
  latencyMs: Latencies;
  wallSeconds: number;
  /** CPU time of the runtime process (all workers) per order: an upper bound of what is billed. */
  cpuMsPerOrder: number;
  /** CPU per order of the stand-ins on the same cores: the provider sandbox, and the bench's Node process (which also carries the workers' outbound fetches). */
  rigCpuMsPerOrder: { sandbox: number; bench: number };
  memory: { peakRssMiB: number; vmHwmMiB: number };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `n` POSTs keeping `concurrency` in flight; returns the response bodies in order. */
async function place(base: string, n: number, concurrency: number, host?: string): Promise<{ bodies: any[]; seconds: number }> {
  const started = Date.now();
  const bodies = await mapLimit(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
    const response = await call(base, "POST", "/orders", { body: ORDER, ...(host ? { host } : {}) });
    if (response.status !== 202) throw new Error(`order ${i} refused: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  });
  return { bodies, seconds: (Date.now() - started) / 1000 };
}

/** Every queue has had every message it was sent deleted (acked), and nothing reported for a while. */
function drained(totals: Counts): boolean {
  return QUEUES.every((queue) => (totals[`queues.writes@${producerBindingOf(queue)}`] ?? 0) === (totals[`queues.deletes@${queue}`] ?? 0));
}

export async function runPipeline(runtime: Runtime, sandbox: Runtime, meter: MeterCollector, options: { orders: number; concurrency: number; timeoutSeconds: number }) {
  const { orders, concurrency } = options;
  await waitUntilQuiet(meter, 2_000, 20_000); // the seeding's own reports
  meter.reset();
  const memory = sampleMemory(runtime.pid);
  const cpuBefore = cpuMs(runtime.pid);
  const sandboxCpuBefore = cpuMs(sandbox.pid);
  const benchCpuBefore = process.cpuUsage();
  const started = Date.now();
  const { bodies, seconds } = await place(runtime.url, orders, concurrency);

  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const totals = meter.totals();
    if ((totals["queues.deletes@sales"] ?? 0) >= 2 * orders && drained(totals) && meter.quietForMs() > 1_500) break;
    if (Date.now() > deadline) {
      console.warn(`  pipeline not drained after ${options.timeoutSeconds}s; reporting what completed`);
      break;
    }
    await sleep(250);
  }
  const cpu = cpuMs(runtime.pid) - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const rigCpuMsPerOrder = { sandbox: (cpuMs(sandbox.pid) - sandboxCpuBefore) / orders, bench: (benchCpu.user + benchCpu.system) / 1000 / orders };
  const peakRssMiB = memory.stop();
  // Per worker and added up, at the same moment: the cost and the per-worker table agree.
  const counts = meter.snapshot();
  const totals = totalsOf(Object.values(counts));
  const wallSeconds = (Date.now() - started) / 1000;

  // Read after the counts were taken, so these reads are not billed to the orders.
  const views = await mapLimit(bodies.map((body) => body.id as string), 16, async (id) => (await call(runtime.url, "GET", `/orders/${id}`, { admin: true })).body);
  const ready = views.filter((order) => order.status === "ready_to_ship");
  // The timeline's ready_to_ship entry carries the label's time (Warehouse); Sales marks the
  // order ready one hop later, which is when its snapshot was last updated.
  const placedAt = ready.map((order) => Date.parse(order.timeline[0].at));
  const readyAt = ready.map((order) => Date.parse(order.updatedAt));
  const result: PipelineResult = {
    orders,
    completed: ready.length,
    throughput: ready.length / ((Math.max(...readyAt) - Math.min(...placedAt)) / 1000),
    acceptRate: orders / seconds,
    latencyMs: latencies(ready.map((_, i) => readyAt[i]! - placedAt[i]!)),
    wallSeconds,
    cpuMsPerOrder: cpu / orders,
    rigCpuMsPerOrder,
    memory: { peakRssMiB, vmHwmMiB: memoryMiB(runtime.pid).peak },
  };
  return { result, counts, totals };
}

export type RelayResult = {
  messages: number;
  completed: number;
  throughput: number;
  latencyMs: Latencies;
  cpuMsPerMessage: number;
  /** What creating one empty Durable Object costs this runtime, in CPU ms (choreo creates four per order). */
  cpuMsPerNewObject: number;
};

export async function runRelay(runtime: Runtime, options: { messages: number; concurrency: number; timeoutSeconds: number }): Promise<RelayResult> {
  const { messages, concurrency } = options;
  await call(runtime.url, "DELETE", "/stats", { host: RELAY });
  const cpuBefore = cpuMs(runtime.pid);
  await place(runtime.url, messages, concurrency, RELAY);
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let done: { placedAt: number; doneAt: number }[] = [];
  while (Date.now() < deadline) {
    done = (await call(runtime.url, "GET", "/stats", { host: RELAY })).body.done;
    if (done.length >= messages) break;
    await sleep(250);
  }
  const cpu = cpuMs(runtime.pid) - cpuBefore;
  const objects = 200;
  const objectsCpuBefore = cpuMs(runtime.pid);
  await call(runtime.url, "POST", `/objects?n=${objects}`, { host: RELAY });
  const cpuMsPerNewObject = (cpuMs(runtime.pid) - objectsCpuBefore) / objects;
  return {
    cpuMsPerNewObject,
    messages,
    completed: done.length,
    throughput: done.length / ((Math.max(...done.map((d) => d.doneAt)) - Math.min(...done.map((d) => d.placedAt))) / 1000),
    latencyMs: latencies(done.map((d) => d.doneAt - d.placedAt)),
    cpuMsPerMessage: cpu / messages,
  };
}

async function waitUntilQuiet(meter: MeterCollector, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (meter.quietForMs() < quietMs && Date.now() < deadline) await sleep(200);
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
