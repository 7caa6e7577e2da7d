// The results as Markdown: the tables `npm run bench` prints and writes to bench/results/.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AcceptRow, SystemKey } from "./accept.ts";
import { costOf, sum, usagePerOrder, type Cost, type PriceKey } from "./cost.ts";
import { totalsOf, type Counts } from "./meter-collector.ts";
import type { OutageResult } from "./outage.ts";
import type { AloneResult, PipelineResult, RateResult, RelayResult } from "./pipeline.ts";
import type { QueueSetting } from "./stacks.ts";
import { mean } from "./stats.ts";


/** What one flow's phases measured. */
export type FlowResults = {
  accept?: AcceptRow[];
  pipeline?: {
    choreo: PipelineResult;
    relay: RelayResult;
    /** The relay's capacity run before choreo's (`relay` is the one after). */
    relayBefore?: RelayResult;
    /**
     * Orders (messages) per second of every capacity run, in the order they ran: the two systems
     * take turns (relay, choreo, relay, choreo, relay), and each one's capacity is the mean of its runs.
     */
    capacityRuns?: { choreo: number[]; relay: number[] };
    rate?: { choreo: RateResult; relay: RateResult };
    alone?: { choreo: AloneResult; relay: AloneResult };
    counts: Record<string, Counts>;
    usage: Record<PriceKey, number>;
    cost: Cost;
    sandboxMemoryMiB: number;
  };
  outage?: OutageResult & { loadAverage?: number };
};

/** Choreography's results at the top level (as before orchestration existed), orchestration's beside them. */
export type BenchResults = FlowResults & {
  machine: { date: string; commit: string; cores: number; cpu: string; memoryGiB: number; node: string; workerd: string; wrangler: string; loadAverage: number[] };
  options: { orders: number; seconds: number; rounds?: number; levels: number[]; concurrency: number; rate?: number; rateSeconds?: number; alone?: number };
  batchSettings: { choreo: QueueSetting[]; relay: QueueSetting[] };
  orchestration?: FlowResults;
  seconds?: number;
};

export type Optimisation = { change: string; commit: string; measure: string; before: string; after: string; runs: string[] };

const ms = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : "–");
const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const usd = (n: number) => (n === 0 ? "$0" : n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "–");
const table = (header: string[], rows: (string | number)[][]) =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");

const SYSTEM_LABEL: Record<SystemKey, string> = {
  bare: "bare Hono route",
  minimal: "minimal durable accept",
  "minimal-limited": "minimal durable accept + rate limits",
  "choreo-keyed": "choreo Sales, fresh Idempotency-Key",
  choreo: "choreo Sales, no key",
  "choreo-keyed-edge": "choreo Sales, fresh Idempotency-Key, rate limits in the isolate (as on Cloudflare)",
  "choreo-edge": "choreo Sales, no key, rate limits in the isolate (as on Cloudflare)",
  sync: "synchronous chain",
};

function accept(rows: AcceptRow[]): string {
  const at = (system: SystemKey, c: number) => rows.find((row) => row.system === system && row.connections === c);
  const versus = (row: AcceptRow, base: SystemKey, field: "rps" | "p50") => {
    const other = at(base, row.connections);
    return row.system === base ? "1×" : other ? ratio(row[field], other[field]) : "–";
  };
  const levels = [...new Set(rows.map((row) => row.connections))];
  return [
    table(
      ["concurrency", "system", "req/s (median round)", "req/s of each round", "p50 ms", "p95 ms", "p99 ms", "failed", "runtime CPU ms per request", "load avg at start", "req/s vs minimal", "p50 vs minimal", "req/s vs bare", "p50 vs bare"],
      rows.map((row) => [
        row.connections,
        SYSTEM_LABEL[row.system],
        num(row.rps, 0),
        row.roundsRps ? row.roundsRps.map((rps) => num(rps, 0)).join(", ") : "–",
        ms(row.p50),
        ms(row.p95),
        ms(row.p99),
        row.failed,
        num(row.cpuMsPerRequest, 2),
        num(row.loadAverage, 2),
        versus(row, "minimal", "rps"),
        versus(row, "minimal", "p50"),
        versus(row, "bare", "rps"),
        versus(row, "bare", "p50"),
      ]),
    ),
    "",
    "choreo against the minimal durable accept, requests/s (higher is better; 1× is as fast as the minimal):",
    "",
    table(
      [
        "concurrency",
        "choreo keyed / minimal",
        "choreo unkeyed / minimal",
        "choreo keyed, limits as on Cloudflare / minimal",
        "choreo unkeyed, limits as on Cloudflare / minimal",
        "minimal / bare",
        "choreo keyed / minimal with rate limits",
        "choreo unkeyed / minimal with rate limits",
      ],
      levels.map((c) => {
        const rps = (system: SystemKey) => at(system, c)?.rps ?? NaN;
        return [
          c,
          ratio(rps("choreo-keyed"), rps("minimal")),
          ratio(rps("choreo"), rps("minimal")),
          ratio(rps("choreo-keyed-edge"), rps("minimal")),
          ratio(rps("choreo-edge"), rps("minimal")),
          ratio(rps("minimal"), rps("bare")),
          ratio(rps("choreo-keyed"), rps("minimal-limited")),
          ratio(rps("choreo"), rps("minimal-limited")),
        ];
      }),
    ),
  ].join("\n");
}

/** Each system's capacity, the mean of its runs (results from before the turns: one choreo run, the relay before and after it). */
function capacitiesOf(results: NonNullable<FlowResults["pipeline"]>): { choreo: number; relay: number; choreoRuns: number[]; relayRuns: number[] } {
  const choreoRuns = results.capacityRuns?.choreo ?? [results.choreo.throughput];
  const relayRuns = results.capacityRuns?.relay ?? [...(results.relayBefore ? [results.relayBefore.throughput] : []), results.relay.throughput];
  return { choreo: mean(choreoRuns), relay: mean(relayRuns), choreoRuns, relayRuns };
}

function pipeline(results: NonNullable<BenchResults["pipeline"]>, settings: BenchResults["batchSettings"], concurrency: number): string {
  const { choreo, relay, relayBefore, rate, alone } = results;
  const capacity = capacitiesOf(results);
  const runs = (values: number[]) => (values.length > 1 ? `: mean of ${values.map((value) => num(value)).join(", ")}` : "");
  const setting = (s: QueueSetting) => `\`${s.queue}\` ${s.max_batch_size}/${s.max_batch_timeout} s${s.max_concurrency ? `, concurrency ${s.max_concurrency}` : ""}`;
  const load = (n: number | undefined) => (n === undefined ? "–" : num(n, 2));
  const rows: (string | number)[][] = [
    [
      `**capacity**: orders/s sustained (${choreo.orders} placed ${concurrency} at a time, first placed → last done; goal ≥ 0.5× the relay)`,
      `${num(capacity.choreo)}${runs(capacity.choreoRuns)} (first run ${choreo.completed}/${choreo.orders})`,
      `${num(capacity.relay)}${runs(capacity.relayRuns)} (last run ${relay.completed}/${relay.messages})`,
      `**${ratio(capacity.choreo, capacity.relay)}** (${capacity.choreo >= 0.5 * capacity.relay ? "goal met" : "goal not met"})`,
    ],
    ["  p50 / p95 ms in the first run (queueing included; relay: the last)", `${ms(choreo.latencyMs.p50)} / ${ms(choreo.latencyMs.p95)}`, `${ms(relay.latencyMs.p50)} / ${ms(relay.latencyMs.p95)}`, ""],
    ["  runtime CPU ms per order (choreo: first run; relay: the last)", num(choreo.cpuMsPerOrder), num(relay.cpuMsPerMessage), ratio(choreo.cpuMsPerOrder, relay.cpuMsPerMessage)],
    ["  load average at the start", load(choreo.loadAverage), relayBefore ? `${load(relayBefore.loadAverage)} / ${load(relay.loadAverage)}` : load(relay.loadAverage), ""],
  ];
  if (rate) {
    const offered = (r: RateResult) => `${num(r.offeredPerSecond)}/s for ${r.seconds} s (${num(r.sentPerSecond)}/s sent), ${r.completed}/${r.placed} done`;
    rows.push(
      ["**offered rate** (open loop)", offered(rate.choreo), offered(rate.relay), ""],
      ["  p50 ms", ms(rate.choreo.latencyMs.p50), ms(rate.relay.latencyMs.p50), ratio(rate.choreo.latencyMs.p50, rate.relay.latencyMs.p50)],
      ["  p95 ms", ms(rate.choreo.latencyMs.p95), ms(rate.relay.latencyMs.p95), ratio(rate.choreo.latencyMs.p95, rate.relay.latencyMs.p95)],
      ["  p99 ms", ms(rate.choreo.latencyMs.p99), ms(rate.relay.latencyMs.p99), ratio(rate.choreo.latencyMs.p99, rate.relay.latencyMs.p99)],
      ["  load average at the start", load(rate.choreo.loadAverage), load(rate.relay.loadAverage), ""],
    );
  }
  if (alone) {
    const each = (a: AloneResult) => `**${ms(a.medianMs)}** (${a.latenciesMs.map(ms).join(", ")}; ${a.completed}/${a.orders} done)`;
    rows.push(
      ["**one order alone** on the idle system, placed → done, median ms (each)", each(alone.choreo), each(alone.relay), ratio(alone.choreo.medianMs, alone.relay.medianMs)],
      ["  load average at the start", load(alone.choreo.loadAverage), load(alone.relay.loadAverage), ""],
    );
  }
  return [
    "choreo: placed → ready_to_ship. Durable relay (bench/workers/relay): three queue hops, each a consumer → one Durable Object RPC inserting one row into a new object → one provider call to the sandbox over HTTP → a send to the next queue.",
    "",
    table(["measure", "choreo", "durable relay (baseline)", "choreo vs relay"], rows),
    "",
    `Runtime CPU is the workerd process running every worker (all of choreo, or the relay alone). Of choreo's ${num(choreo.cpuMsPerOrder)} ms per order, ` +
      `about ${num(4 * relay.cpuMsPerNewObject)} ms is this runtime creating the four Durable Objects each order gets (Order, Invoice, Shipment, Notifications; ` +
      `${num(relay.cpuMsPerNewObject)} ms for an empty one, measured here), which Cloudflare does not bill as CPU. The stand-ins share the same cores: ` +
      `the provider sandbox used ${num(choreo.rigCpuMsPerOrder.sandbox)} ms and the bench process (the load, the meter's collector) ${num(choreo.rigCpuMsPerOrder.bench)} ms per order.`,
    "",
    `In the capacity run Sales accepted ${num(choreo.acceptRate)} orders/s. ` +
      `Batch settings this run used (max_batch_size/max_batch_timeout from each wrangler.toml, dead-letter consumers not listed; the relay's hops take those of billing, warehouse and sales): choreo ${settings.choreo.map(setting).join(", ")}; relay ${settings.relay.map(setting).join(", ")}. ` +
      "Locally, each queue delivers one batch at a time (Cloudflare runs up to 250 consumer invocations at once), so both systems are bounded by this machine, not by the platform.",
  ].join("\n");
}

function outage(result: NonNullable<BenchResults["outage"]>): string {
  const { choreo, sync } = result;
  const row = (label: string, side: OutageResult["choreo"], recovery: string) => [
    label,
    side.placed,
    `${side.accepted} (${Math.round((100 * side.accepted) / side.placed)}%)`,
    `${side.acceptedDuringOutage}/${side.placedDuringOutage}`,
    `${side.completed} (${Math.round((100 * side.completed) / side.placed)}%)`,
    `${ms(side.acceptLatencyMs.p50)} / ${ms(side.acceptLatencyMs.p95)} / ${ms(side.acceptLatencyMs.p99)}`,
    recovery,
  ];
  return [
    `${result.ratePerSecond} orders/s to each system for ${result.seconds} s; Stripe (Billing's provider) down from ${result.outage[0]} s to ${result.outage[1]} s. Load average at the start: ${result.loadAverage === undefined ? "–" : num(result.loadAverage, 2)}.`,
    "",
    table(
      ["system", "placed", "accepted", "accepted while Stripe was down", "completed (ready_to_ship)", "accept p50 / p95 / p99 ms", "outage orders done after Stripe returned"],
      [row("choreo (queues)", choreo, `${num(result.recoverySeconds)} s`), row("synchronous chain", sync, "never (refused)")],
    ),
  ].join("\n");
}

/** The cost of an order in the offered-rate run (steady, no backlog), when it was counted. */
function steadyCost(results: NonNullable<BenchResults["pipeline"]>): { cost: Cost; orders: number; perSecond: number } | undefined {
  const rate = results.rate?.choreo;
  if (!rate?.counted) return undefined;
  const usage = usagePerOrder(totalsOf(Object.values(rate.counted.counts)), rate.placed, rate.counted.cpuMsPerOrder);
  return { cost: costOf(usage), orders: rate.placed, perSecond: rate.offeredPerSecond };
}

function cost(results: NonNullable<BenchResults["pipeline"]>): string {
  const { cost } = results;
  const steady = steadyCost(results);
  const digits = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  const steadyLine = (item: PriceKey) => steady?.cost.lines.find((line) => line.item === item);
  const steadyColumns = (item: PriceKey) => {
    const line = steadyLine(item);
    return line ? [digits(line.perOrder), usd(line.perMillionOrders)] : ["–", "–"];
  };
  const steadyTotal = (which: "counted" | "withEstimates") => (steady ? ["", `**${usd(steady.cost[which].perMillionOrders)}**`] : ["", "–"]);
  return [
    `Counted twice: in the capacity run (${results.choreo.orders} orders placed as fast as Sales takes them, so a backlog builds and an order's steps fall into different batches), ` +
      `and in the offered-rate run (${steady ? `${steady.orders} orders at ${num(steady.perSecond)}/s` : "not counted"}: a steady load below capacity, where one batch often carries several steps of an order).`,
    "",
    table(
      ["billed item", "per order, capacity run", "$ per million orders (list price), capacity run", "per order, steady rate", "$ per million orders, steady rate", "$ for a month of 1M orders (after allowances), capacity run", "how"],
      [
        ...cost.lines.map((line) => [line.what, digits(line.perOrder), usd(line.perMillionOrders), ...steadyColumns(line.item), usd(line.monthOfMillion), line.basis]),
        ["**total, counted items**", "", `**${usd(cost.counted.perMillionOrders)}**`, ...steadyTotal("counted"), `**${usd(cost.counted.monthOfMillion)}** + $${cost.basePerMonth} plan`, ""],
        ["**total, with the estimates**", "", `**${usd(cost.withEstimates.perMillionOrders)}**`, ...steadyTotal("withEstimates"), `**${usd(cost.withEstimates.monthOfMillion)}** + $${cost.basePerMonth} plan`, ""],
      ],
    ),
    "",
    `Prices: bench/prices.json (list prices checked ${cost.pricesChecked}, sources there). "counted": every operation counted by the platform-layer meter during the run. ` +
      "\"estimated\": CPU is the whole runtime process's CPU time per order (workerd's clock is frozen inside an invocation, so per-invocation CPU cannot be read; this includes the runtime's own work such as the local queue broker, so it is an upper bound), " +
      "and Durable Object duration is each RPC's round trip as the caller saw it, × 128 MB (on a loaded 2-core machine; Cloudflare bills the object's active wall time). " +
      "Durable Object requests include the alarms still set when the run ended (Sales' watchdog alarm of each order runs once, at its first stage's deadline).",
  ].join("\n");
}

function perWorker(counts: Record<string, Counts>, orders: number): string {
  const rows = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([worker, c]) => {
      const usage = usagePerOrder(c, orders, 0); // the price items' counts; CPU is not counted per worker
      return [
        worker,
        num(usage["workers.requests"], 2),
        num(usage["queues.operations"], 2),
        num(usage["do.requests"], 2),
        `${num(usage["do.rows_read"], 1)} / ${num(usage["do.rows_written"], 1)}`,
        `${num(usage["d1.rows_read"], 1)} / ${num(usage["d1.rows_written"], 1)}`,
        `${num(usage["r2.class_a"], 2)} / ${num(usage["r2.class_b"], 2)}`,
        `${num(usage["kv.reads"], 2)} / ${num(usage["kv.writes"], 2)}`,
        num(sum(c, "subrequests.outbound@") / orders, 2),
      ];
    });
  return table(["worker (and its objects)", "invocations", "queue ops", "DO requests", "DO rows read / written", "D1 rows read / written", "R2 A / B", "KV reads / writes", "outbound fetches"], rows);
}

function optimisations(): string | undefined {
  const file = path.join(import.meta.dirname, "optimisations.json");
  if (!existsSync(file)) return undefined;
  const rows = JSON.parse(readFileSync(file, "utf8")) as Optimisation[];
  return [
    "Each row compares two pipeline runs of 300 orders (`--only pipeline --orders 300`), kept in bench/results/ under the names given. Counts per order are exact; D1 and KV move a little with how events fall into projection batches.",
    "",
    table(["change", "commit", "measure (per order)", "before", "after", "runs"], rows.map((row) => [row.change, row.commit, row.measure, row.before, row.after, row.runs.join(" → ")])),
  ].join("\n");
}

/** One flow's figures, as the side-by-side table lists them. */
function flowFigures(flow: FlowResults) {
  const accept = (system: SystemKey, c: number) => flow.accept?.find((row) => row.system === system && row.connections === c);
  const vsMinimal = (system: SystemKey, c: number) => {
    const row = accept(system, c);
    const minimal = accept("minimal", c);
    return row && minimal ? `${num(row.rps, 0)} req/s (${ratio(row.rps, minimal.rps)} minimal)` : "–";
  };
  const pipeline = flow.pipeline;
  const capacity = pipeline ? capacitiesOf(pipeline) : undefined;
  const usage = pipeline?.usage;
  const steady = pipeline && steadyCost(pipeline);
  const per = (item: PriceKey, digits = 2) => (usage ? num(usage[item], digits) : "–");
  const outage = flow.outage?.choreo;
  return [
    ["accept, c=16, fresh Idempotency-Key", vsMinimal("choreo-keyed", 16)],
    ["accept, c=16, no key", vsMinimal("choreo", 16)],
    ["capacity, orders/s to ready_to_ship", capacity ? `${num(capacity.choreo)} (${ratio(capacity.choreo, capacity.relay)} relay)` : "–"],
    ["p50 / p95 at half capacity, ms", pipeline?.rate ? `${ms(pipeline.rate.choreo.latencyMs.p50)} / ${ms(pipeline.rate.choreo.latencyMs.p95)} (${num(pipeline.rate.choreo.offeredPerSecond)}/s)` : "–"],
    ["one order alone, median ms", pipeline?.alone ? ms(pipeline.alone.choreo.medianMs) : "–"],
    ["$ per 1M orders, counted items (capacity run, with a backlog)", pipeline ? usd(pipeline.cost.counted.perMillionOrders) : "–"],
    ["$ per 1M orders, counted items (steady offered rate)", steady ? usd(steady.cost.counted.perMillionOrders) : "–"],
    ["$ per 1M orders, with the estimates", pipeline ? usd(pipeline.cost.withEstimates.perMillionOrders) : "–"],
    ["invocations per order (queue batches, fetches, workflow runs)", per("workers.requests")],
    ["queue operations per order", per("queues.operations", 1)],
    ["Durable Object requests per order", per("do.requests", 1)],
    ["Durable Object rows written per order", per("do.rows_written", 1)],
    ["workflow state kept per order, bytes", pipeline ? num(sum(totalsOf(Object.values(pipeline.counts)), "workflows.state_bytes@") / pipeline.choreo.orders, 0) : "–"],
    ["runtime CPU per order, ms", pipeline ? ms(pipeline.choreo.cpuMsPerOrder) : "–"],
    ["Stripe outage: accepted while down / completed", outage ? `${outage.acceptedDuringOutage}/${outage.placedDuringOutage} / ${outage.completed}/${outage.placed} (last done ${num(flow.outage!.recoverySeconds)} s after Stripe returned)` : "–"],
  ];
}

/** Choreography and orchestration side by side, from this one run. */
function flowComparison(results: BenchResults): string {
  const choreography = flowFigures(results);
  const orchestration = flowFigures(results.orchestration ?? {});
  return table(
    ["measure", "choreography (queues)", "orchestration (a Workflow per order)"],
    choreography.map(([measure, value], i) => [measure!, value!, orchestration[i]![1]!]),
  );
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const out = [
    `# choreo bench, ${machine.date.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `\`npm run bench\` at commit ${machine.commit}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, workerd ${machine.workerd} (wrangler ${machine.wrangler}), ` +
      `load average ${machine.loadAverage.join(" / ")} at the start. Every system runs locally in workerd through wrangler's test harness with real queues; each baseline runs in the same run, on the same machine.`,
  ];
  if (results.accept) out.push("", "## Accept path: `POST /orders`", "", `Each row: ${results.options.seconds} s at a fixed number of connections (autocannon in its own process), straight to the runtime${results.options.rounds ? `; ${results.options.rounds} rounds per level, the systems taking turns in each (in an order shuffled anew each round), and each system's row is its median round (the ratios compare medians)` : ""}.`, "", accept(results.accept));
  if (results.pipeline) {
    out.push("", "## Pipeline: placed → ready_to_ship", "", pipeline(results.pipeline, results.batchSettings, results.options.concurrency));
    out.push("", "## Cost per order", "", cost(results.pipeline));
    out.push("", "Per order, by worker (including the Durable Objects each one hosts):", "", perWorker(results.pipeline.counts, results.pipeline.choreo.orders));
    const { memory } = results.pipeline.choreo;
    out.push("", "## Memory", "", `Peak resident memory of the workerd runtime running every worker during the pipeline run: ${num(memory.peakRssMiB, 0)} MiB sampled (VmHWM ${num(memory.vmHwmMiB, 0)} MiB). The provider sandbox, in its own workerd: ${num(results.pipeline.sandboxMemoryMiB, 0)} MiB (VmHWM).`);
  }
  if (results.outage) out.push("", "## The synchronous chain, with Stripe down for part of the run", "", outage(results.outage));
  const orchestrated = results.orchestration;
  if (orchestrated) {
    out.push("", "## Choreography and orchestration, side by side", "", "Every phase above ran again with `ORDER_FLOW = \"orchestration\"` (workers/order-flow: one Cloudflare Workflow per order), in this same run.", "", flowComparison(results));
    if (orchestrated.accept) out.push("", "### Orchestration: accept path", "", accept(orchestrated.accept));
    if (orchestrated.pipeline) {
      out.push("", "### Orchestration: pipeline", "", pipeline(orchestrated.pipeline, results.batchSettings, results.options.concurrency));
      out.push("", "### Orchestration: cost per order", "", cost(orchestrated.pipeline));
      out.push("", "Per order, by worker:", "", perWorker(orchestrated.pipeline.counts, orchestrated.pipeline.choreo.orders));
    }
    if (orchestrated.outage) out.push("", "### Orchestration: Stripe down for part of the run", "", outage(orchestrated.outage));
  }
  const changes = optimisations();
  if (changes) out.push("", "## Optimisations, before and after", "", changes);
  if (results.seconds) out.push("", `The whole bench took ${results.seconds.toFixed(0)} s.`);
  return `${out.join("\n")}\n`;
}
