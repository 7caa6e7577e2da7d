// `npm run bench`: accept path, pipeline, the synchronous chain under a Billing outage, and the
// cost of an order, each next to its baseline in the same run. Writes bench/results/<date>.json
// and .md and prints the table. Options: --orders N for the capacity run (300), --seconds S per
// accept run (3), --rounds N of them per level (3; each row is a system's median round), --levels 1,16,64, --concurrency C for placing orders (32), --rate R orders/s
// for the offered-rate run (default: half of each system's measured capacity), --rate-seconds
// S (15), --alone N orders placed one at a time on the idle system (3), --only
// accept,pipeline,outage, --flows choreography,orchestration (both by default: each phase runs
// once per flow), --out <name> (the results file name; default the date and time).
// First: before wrangler loads Miniflare (see the file).
import { deleteClosedRuntimes } from "./harness-adjustments.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ORDER_FLOWS, type OrderFlow } from "../src/contracts/topology.ts";
import { localRuntimeEnv } from "../scripts/local-runtime.mjs";
import { ROOT } from "../test/stack.ts";
import { runAccept, SYSTEMS, type SystemKey } from "./accept.ts";
import { costOf, usagePerOrder } from "./cost.ts";
import { startMeterCollector } from "./meter-collector.ts";
import { runOutage } from "./outage.ts";
import { runLatency, runPipeline, runRelay, warmUp } from "./pipeline.ts";
import { memoryMiB } from "./processes.ts";
import { renderMarkdown, type BenchResults, type FlowResults } from "./report.ts";
import { mean } from "./stats.ts";
import { batchSettings, startAcceptStack, startOutageStack, startPipelineStack, startSandbox, type Runtime } from "./stacks.ts";

// As in `npm run dev` and the tests: wrangler's local trace collector, work Cloudflare does outside
// a worker, would load every system alike (scripts/local-runtime.mjs).
Object.assign(process.env, localRuntimeEnv());

const { values: args } = parseArgs({
  options: {
    orders: { type: "string", default: "300" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    levels: { type: "string", default: "1,16,64" },
    concurrency: { type: "string", default: "32" },
    rate: { type: "string" },
    "rate-seconds": { type: "string", default: "15" },
    alone: { type: "string", default: "3" },
    only: { type: "string", default: "accept,pipeline,outage" },
    flows: { type: "string", default: ORDER_FLOWS.join(",") },
    out: { type: "string" },
    /** Accept rows of these systems only (keys of bench/accept.ts SYSTEMS), for a quick A/B. */
    systems: { type: "string" },
  },
});
const phases = new Set(args.only.split(","));
const flows = args.flows.split(",").filter((flow): flow is OrderFlow => (ORDER_FLOWS as readonly string[]).includes(flow));
const orders = Number(args.orders);
const rateSeconds = Number(args["rate-seconds"]);
const aloneOrders = Number(args.alone);
/** Orders (relay messages) each system takes before the pipeline is measured (bench/pipeline.ts warmUp). */
const WARM_UP_ORDERS = 300;
/** Capacity runs of choreo, each followed by one of the relay (which also runs once before the first). */
const CAPACITY_TURNS = 2;
const rounds = Number(args.rounds);
const isSystemKey = (key: string): key is SystemKey => SYSTEMS.some((system) => system.key === key);
const acceptSystems = args.systems?.split(",");
const unknownSystems = acceptSystems?.filter((key) => !isSystemKey(key)) ?? [];
if (unknownSystems.length) throw new Error(`--systems: no accept system ${unknownSystems.join(", ")} (known: ${SYSTEMS.map((system) => system.key).join(", ")})`);
const began = Date.now();
const say = (line: string) => console.log(line);

function machine() {
  const git = (...a: string[]) => execFileSync("git", a, { cwd: ROOT, encoding: "utf8" }).trim();
  const workerd = JSON.parse(readFileSync(path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/package.json"), "utf8")).version as string;
  const wrangler = JSON.parse(readFileSync(path.join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version as string;
  return {
    date: new Date().toISOString(),
    commit: git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "src", "workers", "wrangler.toml", "bench", ":!bench/results").length ? " (with uncommitted changes)" : ""),
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    workerd,
    wrangler,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

const results: BenchResults = {
  machine: machine(),
  options: {
    orders,
    seconds: Number(args.seconds),
    rounds,
    levels: args.levels.split(",").map(Number),
    concurrency: Number(args.concurrency),
    ...(args.rate ? { rate: Number(args.rate) } : {}),
    rateSeconds,
    alone: aloneOrders,
  },
  batchSettings: batchSettings(),
};
say(`choreo bench — ${results.machine.cores} cores, Node ${results.machine.node}, workerd ${results.machine.workerd}, commit ${results.machine.commit}, load ${results.machine.loadAverage.join(" ")}`);

const sandbox = await startSandbox();
const open: Runtime[] = [sandbox];
try {
  for (const flow of flows) {
    // Choreography's results stay where earlier runs kept them; orchestration's go beside them.
    const into: FlowResults = flow === "choreography" ? results : (results.orchestration ??= {});
    if (phases.has("accept")) {
      say(`\naccept path (${flow}): POST /orders for a fixed time at each concurrency (load average at each row's start)`);
      const stack = await startAcceptStack(sandbox, flow);
      open.push(stack);
      // The baselines do not change with the flow: orchestration's run repeats only the minimal one, for its ratios.
      const systems = acceptSystems?.filter(isSystemKey) ?? (flow === "choreography" ? undefined : (["minimal", "choreo-keyed", "choreo", "choreo-keyed-edge", "choreo-edge"] as const));
      into.accept = await runAccept(stack, { levels: results.options.levels, seconds: results.options.seconds, rounds, say, ...(systems ? { systems } : {}) });
      await stack.close();
      open.pop();
    }

    if (phases.has("pipeline")) {
      say(`\npipeline (${flow}): capacity, ${orders} orders placed as fast as accepted, followed to ready_to_ship (relay: to its third hop)`);
      const meter = await startMeterCollector();
      const stack = await startPipelineStack(sandbox, meter, flow);
      open.push(stack);
      // The two systems take turns (relay, choreo, relay, choreo, relay), so a machine that gets
      // busier or quieter meanwhile moves both alike; each one's capacity is the mean of its runs.
      const relayRun = async (when: string) => {
        const relay = await runRelay(stack, { messages: orders, concurrency: results.options.concurrency, timeoutSeconds: 120 });
        say(`  relay ${when}: ${relay.completed}/${orders} through 3 hops, ${relay.throughput.toFixed(1)} messages/s, p50 ${relay.latencyMs.p50} ms, p95 ${relay.latencyMs.p95} ms, load ${relay.loadAverage.toFixed(2)}`);
        return relay;
      };
      await warmUp(stack, meter, { orders: WARM_UP_ORDERS, concurrency: results.options.concurrency, timeoutSeconds: 120, flow });
      say(`  warmed up: ${WARM_UP_ORDERS} orders through each system, not measured`);
      const relayBefore = await relayRun("before");
      const relays = [relayBefore];
      const choreoRuns: Awaited<ReturnType<typeof runPipeline>>[] = [];
      for (let turn = 1; turn <= CAPACITY_TURNS; turn++) {
        const run = await runPipeline(stack, sandbox, meter, { orders, concurrency: results.options.concurrency, timeoutSeconds: 240, flow });
        say(`  choreo (${flow}): ${run.result.completed}/${orders} ready_to_ship, ${run.result.throughput.toFixed(1)} orders/s, p50 ${run.result.latencyMs.p50} ms, p95 ${run.result.latencyMs.p95} ms, load ${run.result.loadAverage.toFixed(2)}`);
        choreoRuns.push(run);
        relays.push(await relayRun(turn === CAPACITY_TURNS ? "after" : "between"));
      }
      // Counts and cost come from choreo's first run, as they did when it had one.
      const { result, counts, totals } = choreoRuns[0]!;
      const relay = relays.at(-1)!;
      const capacityRuns = { choreo: choreoRuns.map((run) => run.result.throughput), relay: relays.map((run) => run.throughput) };
      const half = (capacity: number) => (capacity > 0 ? capacity / 2 : 1); // 1/s if the capacity run completed nothing
      const perSecond = results.options.rate
        ? { choreo: results.options.rate, relay: results.options.rate }
        : { choreo: half(mean(capacityRuns.choreo)), relay: half(mean(capacityRuns.relay)) };
      say(`\npipeline (${flow}): latency at an offered rate (${results.options.rate ? `${results.options.rate}/s` : "half of each one's capacity"}) for ${rateSeconds} s, then orders alone`);
      const latency = await runLatency(stack, meter, { perSecond, seconds: rateSeconds, alone: aloneOrders, timeoutSeconds: 120, say, flow });
      const usage = usagePerOrder(totals, orders, result.cpuMsPerOrder);
      into.pipeline = { choreo: result, relay, relayBefore, capacityRuns, ...latency, counts, usage, cost: costOf(usage), sandboxMemoryMiB: memoryMiB(sandbox.pid).peak };
      await stack.close();
      open.pop();
      await meter.close();
    }

    if (phases.has("outage")) {
      say(`\nStripe down for part of a run (${flow}): choreo next to the synchronous chain`);
      const stack = await startOutageStack(sandbox, flow);
      open.push(stack);
      const loadAverage = os.loadavg()[0]!;
      into.outage = { ...(await runOutage(stack, sandbox, { ratePerSecond: 10, seconds: 16, outage: [4, 10], settleSeconds: 60 })), loadAverage };
      const { choreo, sync } = into.outage;
      say(`  choreo: accepted ${choreo.accepted}/${choreo.placed} (${choreo.acceptedDuringOutage}/${choreo.placedDuringOutage} during the outage), completed ${choreo.completed}`);
      say(`  sync:   accepted ${sync.accepted}/${sync.placed} (${sync.acceptedDuringOutage}/${sync.placedDuringOutage} during the outage), completed ${sync.completed}`);
      await stack.close();
      open.pop();
    }
  }
} finally {
  await Promise.allSettled(open.reverse().map((runtime) => runtime.close()));
  await deleteClosedRuntimes();
}

results.seconds = (Date.now() - began) / 1000;
const markdown = renderMarkdown(results);
const name = args.out ?? results.machine.date.slice(0, 16).replace(":", "");
const dir = path.join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(dir, `${name}.md`), markdown);
say(`\n${markdown}`);
say(`written to bench/results/${name}.json and .md in ${results.seconds.toFixed(0)} s`);
process.exit(0);
