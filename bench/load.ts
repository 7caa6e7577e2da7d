// The load generator, run in its own process by bench/run.ts so it never shares the bench's
// event loop: keeps `connections` requests in flight for `seconds`, records every response's
// latency and prints one JSON line: requests/s and exact p50/p95/p99. With `freshKeys`, every
// request carries an Idempotency-Key of its own (autocannon's `idReplacement` puts a new
// hyperid, unique per request and per process, wherever the request says `[<id>]`).
import autocannon from "autocannon";
import { latencies as percentiles } from "./stats.ts";

export type LoadSpec = { url: string; host?: string; headers?: Record<string, string>; body: string; connections: number; seconds: number; freshKeys?: boolean };
export type LoadResult = { connections: number; seconds: number; requests: number; rps: number; ok: number; failed: number; p50: number; p95: number; p99: number };

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const latencies: number[] = [];
let ok = 0;
const instance = autocannon(
  {
    url: spec.url,
    method: "POST",
    headers: { "content-type": "application/json", ...spec.headers, ...(spec.host ? { host: spec.host } : {}), ...(spec.freshKeys ? { "idempotency-key": "[<id>]" } : {}) },
    body: spec.body,
    idReplacement: spec.freshKeys ?? false,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 30,
  },
  (error, result) => {
    if (error) throw error;
    const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
    const summary: LoadResult = {
      connections: spec.connections,
      seconds,
      requests: latencies.length,
      rps: latencies.length / seconds,
      ok,
      failed: latencies.length - ok + result.errors + result.timeouts,
      ...percentiles(latencies),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  },
);
instance.on("response", (_client, status, _bytes, ms) => {
  latencies.push(ms);
  if (status >= 200 && status < 300) ok++;
});
