// `npm run bench:dev`: the pipeline as a new user meets it, against a running `npm run dev`:
// orders placed one at a time on the idle system, then orders offered at a fixed rate; each
// order's placed → ready_to_ship time comes from its own timeline. Also the CPU time per order of
// every process of the dev session (wrangler, workerd, the sandbox), read from /proc.
// Options: --url (http://localhost:8787), --rate (orders/s, 20), --orders (300), --alone (5).
// For a fresh session, move .wrangler/state aside rather than deleting it just before: on some
// file systems (ext4 without a journal) creating files minutes after deleting thousands costs the
// new session's objects far more CPU (docs/performance.md).
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { cpuMs, descendants, listeningPorts } from "./processes.ts";
import { latencies } from "./stats.ts";

const { values: args } = parseArgs({
  options: { url: { type: "string", default: "http://localhost:8787" }, rate: { type: "string", default: "20" }, orders: { type: "string", default: "300" }, alone: { type: "string", default: "5" } },
});
const base = args.url;
const body = JSON.stringify({
  customer: { name: "Ada Lovelace", email: "ada@example.com", phone: "+14155550100" },
  items: [{ sku: "MUG-001", quantity: 1 }],
  shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every process of the dev session: `scripts/dev.mjs` and all below it. */
function devProcesses(): number[] {
  const pids = execFileSync("pgrep", ["-f", "scripts/dev.mjs"], { encoding: "utf8" }).trim().split("\n").map(Number).filter(Boolean);
  if (pids.length === 0) throw new Error("no `npm run dev` running (no process runs scripts/dev.mjs)");
  return [...new Set(pids.flatMap((pid) => [pid, ...descendants(pid)]))];
}
const cpuOf = (pid: number) => {
  try {
    return cpuMs(pid);
  } catch {
    return 0; // exited meanwhile
  }
};
/** CPU ms so far of each dev process, by pid. */
const devCpu = () => new Map(devProcesses().map((pid) => [pid, cpuOf(pid)]));
const total = (cpu: Map<number, number>) => [...cpu.values()].reduce((sum, ms) => sum + ms, 0);

/** What a dev process is, in a few words: the runtime serving :8787, the sandbox's, wrangler, esbuild… */
function describe(pid: number): string {
  let command: string[];
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return `pid ${pid} (exited)`;
  }
  const program = command[0]!.split("/").at(-1)!;
  if (program === "workerd") {
    const ports = (() => {
      try {
        return listeningPorts(pid);
      } catch {
        return [];
      }
    })();
    const port = new URL(base).port;
    if (ports.includes(Number(port))) return `workerd: wrangler's proxy on :${port}`;
    const parent = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]!;
    const parentCommand = readFileSync(`/proc/${parent}/cmdline`, "utf8");
    return parentCommand.includes("scripts/dev.mjs") ? "workerd: provider sandbox (Miniflare)" : "workerd: the app's workers";
  }
  if (program === "esbuild") return "esbuild (wrangler's watch)";
  const script = command.find((arg) => arg.endsWith(".mjs") || arg.endsWith(".js"));
  if (script?.endsWith("scripts/dev.mjs")) return "node: scripts/dev.mjs";
  if (script?.includes("wrangler")) return "node: wrangler";
  return `${program} ${script ?? ""}`.trim();
}

async function place(): Promise<string> {
  const response = await fetch(`${base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

type Timeline = { status: string; at: string }[];
type Trip = { placedAt: number; readyAt: number };
/** When the order was placed and became ready_to_ship, from its own timeline, once it is there. */
async function readyAfter(id: string): Promise<Trip | undefined> {
  const order = (await (await fetch(`${base}/orders/${id}`)).json()) as { status: string; timeline: Timeline };
  if (order.status !== "ready_to_ship") return undefined;
  return { placedAt: Date.parse(order.timeline[0]!.at), readyAt: Date.parse(order.timeline.at(-1)!.at) };
}

async function waitAll(ids: string[], timeoutMs: number): Promise<Map<string, Trip>> {
  const done = new Map<string, Trip>();
  const deadline = Date.now() + timeoutMs;
  while (done.size < ids.length && Date.now() < deadline) {
    for (const id of ids.filter((id) => !done.has(id))) {
      const ms = await readyAfter(id);
      if (ms !== undefined) done.set(id, ms);
    }
    if (done.size < ids.length) await sleep(100);
  }
  return done;
}

const alone: number[] = [];
for (let i = 0; i < Number(args.alone); i++) {
  const id = await place();
  const trip = (await waitAll([id], 30_000)).get(id);
  if (trip) alone.push(trip.readyAt - trip.placedAt);
  await sleep(1_000);
}
console.log(`one order alone, placed → ready_to_ship: ${alone.join(", ")} ms (median ${latencies([...alone].sort((a, b) => a - b)).p50} ms)`);

const rate = Number(args.rate);
const count = Number(args.orders);
const cpuBefore = devCpu();
const started = Date.now();
const placing: Promise<string>[] = [];
for (let i = 0; i < count; i++) {
  const due = started + (i * 1000) / rate;
  if (due > Date.now()) await sleep(due - Date.now());
  placing.push(place());
}
const ids = await Promise.all(placing);
const offeredFor = (Date.now() - started) / 1000;
// The CPU window closes 6 s after the last order placed is ready: its snapshot still goes to
// Projections, whose batches wait up to 5 s. Reading every order's timeline comes after, so the
// bench's 300 reads are not counted as the orders' work (their own cost is printed beside).
await waitAll(ids.slice(-1), 180_000);
await sleep(6_000);
const cpuAfter = devCpu();
const windowClosed = Date.now();
const done = await waitAll(ids, 180_000);
const readsCpu = total(devCpu()) - total(cpuAfter);
const cpu = total(cpuAfter) - total(cpuBefore);
const byProcess = new Map<string, number>();
for (const [pid, ms] of cpuAfter) byProcess.set(describe(pid), (byProcess.get(describe(pid)) ?? 0) + ms - (cpuBefore.get(pid) ?? 0));
const trips = [...done.values()];
const late = trips.filter((trip) => trip.readyAt > windowClosed).length;
const span = (Math.max(...trips.map((t) => t.readyAt)) - Math.min(...trips.map((t) => t.placedAt))) / 1000;
const { p50, p95, p99 } = latencies(trips.map((t) => t.readyAt - t.placedAt).sort((a, b) => a - b));
console.log(
  `${count} orders offered at ${rate}/s (${(count / offeredFor).toFixed(1)}/s sent): ${done.size} ready_to_ship, ${(done.size / span).toFixed(1)} completed/s (first placed to last ready); ` +
    `placed → ready_to_ship p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms; CPU of the dev session ${(cpu / count).toFixed(1)} ms per order ` +
    `(then the bench's reading each order once: ${(readsCpu / count).toFixed(1)} ms per order)${late > 0 ? `; ${late} orders became ready after the CPU window closed: the figure is low` : ""}`,
);
console.log(
  `  by process, ms per order: ${[...byProcess]
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${(ms / count).toFixed(1)}`)
    .join("; ")}`,
);
process.exit(done.size === count ? 0 : 1);
