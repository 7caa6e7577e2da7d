// Where the workers' meters report during `npm run bench` (their METER_URL): sums the counts
// each worker sends (bench/metered/meter.ts), per worker and count name.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Counts = Record<string, number>;

/** Counts added up across workers (a snapshot's, or the collector's live ones). */
export function totalsOf(byWorker: Iterable<Counts>): Counts {
  const totals: Counts = {};
  for (const counts of byWorker) for (const [name, n] of Object.entries(counts)) totals[name] = (totals[name] ?? 0) + n;
  return totals;
}

export async function startMeterCollector() {
  let byWorker = new Map<string, Counts>();
  let lastReportAt = 0;
  const server = createServer((request, response) => {
    const worker = /^\/meter\/([\w-]+)$/.exec(request.url ?? "")?.[1];
    if (request.method !== "POST" || !worker) {
      response.writeHead(404).end();
      return;
    }
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      const counts = byWorker.get(worker) ?? {};
      for (const [name, n] of Object.entries(JSON.parse(body) as Counts)) counts[name] = (counts[name] ?? 0) + n;
      byWorker.set(worker, counts);
      lastReportAt = Date.now();
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    /** The METER_URL for a worker. */
    urlFor: (worker: string) => `${origin}/meter/${worker}`,
    /** Counts per worker since the last reset. */
    snapshot: () => Object.fromEntries([...byWorker].map(([worker, counts]) => [worker, { ...counts }])) as Record<string, Counts>,
    /** All workers' counts added up. */
    totals: () => totalsOf(byWorker.values()),
    quietForMs: () => (lastReportAt === 0 ? Infinity : Date.now() - lastReportAt),
    reset() {
      byWorker = new Map();
      lastReportAt = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type MeterCollector = Awaited<ReturnType<typeof startMeterCollector>>;
