// `npm run dev`: the provider sandbox on :8789 (scripts/sandbox-runtime.mjs) and every worker in one `wrangler dev`
// session on :8787 (Sales first, so the public API is there), local state persisted under
// .wrangler/, .dev.vars created from the examples, then the demo catalog seeded.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { localRuntimeEnv } from "./local-runtime.mjs";
import { buildForDev } from "./dev-build.mjs";
import { startSandbox } from "./sandbox-runtime.mjs";
import { SANDBOX, WORKERS } from "./workers.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8789);
const INSPECTOR_PORT = Number(process.env.INSPECTOR_PORT ?? 9229);
// `npm run dev -- --flow orchestration` (or ORDER_FLOW=orchestration): new orders run as a Workflow.
const flowArg = process.argv.indexOf("--flow");
const FLOW = flowArg > 0 ? process.argv[flowArg + 1] : process.env.ORDER_FLOW;
if (FLOW !== undefined && FLOW !== "choreography" && FLOW !== "orchestration") {
  console.error(`--flow ${FLOW}: use choreography or orchestration`);
  process.exit(2);
}
const env = {
  ...process.env,
  ...localRuntimeEnv(),
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  // Wrangler's dev registry is global per user by default; a per-checkout one keeps two
  // checkouts' "sales" workers from binding to each other.
  WRANGLER_REGISTRY_PATH: process.env.WRANGLER_REGISTRY_PATH ?? path.resolve(".wrangler/registry"),
};

for (const example of [".dev.vars.example", ...[...WORKERS, SANDBOX].map((w) => w.config.replace(/wrangler\.toml$/, ".dev.vars.example"))]) {
  const target = example.replace(/\.example$/, "");
  if (!existsSync(example)) continue;
  const wanted = readFileSync(example, "utf8").replaceAll("127.0.0.1:8789", `127.0.0.1:${SANDBOX_PORT}`);
  if (!existsSync(target)) {
    writeFileSync(target, wanted);
    console.log(`created ${target} from ${example}`);
    continue;
  }
  // A variable added to the example since (a new secret) reaches an existing .dev.vars; set ones are kept.
  const names = (text) => new Set([...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const have = names(readFileSync(target, "utf8"));
  const missing = wanted.split("\n").filter((line) => /^[A-Z0-9_]+=/.test(line) && !have.has(line.slice(0, line.indexOf("="))));
  if (missing.length) {
    appendFileSync(target, `\n${missing.join("\n")}\n`);
    console.log(`${target}: added ${missing.map((line) => line.slice(0, line.indexOf("="))).join(", ")} from ${example}`);
  }
}

const children = [];
// Wrangler writes straight to this terminal: re-reading and prefixing its every line here cost
// about 2 ms of CPU per order at 10 orders/s (a request line, a queue batch line per hop).
function start(label, args) {
  const child = spawn("wrangler", args, { env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  child.on("exit", (code) => {
    console.log(`[${label}] exited with ${code}`);
    shutdown(code ?? 1);
  });
  children.push(child);
}

let stopping = false;
let stopWatching = () => {};
function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  stopWatching();
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM"); // the whole group: wrangler, esbuild, workerd
    } catch {}
  }
  sandbox?.dispose().catch(() => {});
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

// D1 migrations go to the same --persist-to as the dev session, or the tables would be missing
// there (a multi-config session keeps every worker's local state in one place).
for (const worker of WORKERS) {
  for (const binding of worker.d1 ?? []) {
    execFileSync("wrangler", ["d1", "migrations", "apply", binding, "--local", "-c", worker.config, "--persist-to", ".wrangler/state"], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    console.log(`[${worker.name}] D1 ${binding}: migrations applied locally`);
  }
}

const common = ["--show-interactive-dev-session=false", "--ip", "127.0.0.1"];
let sandbox;
const sandboxReady = startSandbox({ host: "127.0.0.1", port: SANDBOX_PORT, persistTo: ".wrangler/sandbox-state", env }).then((started) => {
  sandbox = started;
  console.log(`[sandbox] providers' stand-ins on http://127.0.0.1:${SANDBOX_PORT}`);
});
const ordered = [WORKERS.find((w) => w.name === "sales"), ...WORKERS.filter((w) => w.name !== "sales")];
// Each worker from its sandboxed config (its own wrangler.toml, with the sandbox's hooks plugged
// in), bundled here and rebuilt on edits (scripts/dev-build.mjs), then served by one wrangler dev.
const built = await buildForDev(ordered, env);
stopWatching = built.watch((line) => console.log(line));
start("app", ["dev", ...built.configs.flatMap((config) => ["-c", config]), "--port", String(PORT), "--inspector-port", String(INSPECTOR_PORT), "--persist-to", ".wrangler/state", ...(FLOW ? ["--var", `ORDER_FLOW:${FLOW}`] : []), ...common]);

async function waitFor(url, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000}s`);
}

/**
 * The sandbox keeps its switches in its local state: one left on by an earlier session (a demo
 * stopped halfway) would stall orders without a word. Every session starts with all of them off.
 */
async function resetSandboxSwitches(base) {
  const post = (path, body) => fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const { faults } = await (await fetch(`${base}/_sandbox/faults`)).json();
  const { plans } = await (await fetch(`${base}/_sandbox/consumers`)).json();
  const stopped = Object.entries(plans).map(([queue, plan]) => ({ queue, plan }));
  if (faults.length + stopped.length === 0) return;
  await Promise.all([...faults.map((fault) => post("/_sandbox/faults", { provider: fault.provider, mode: "ok" })), ...stopped.map((c) => post(`/_sandbox/consumers/${c.queue}`, { mode: "ok" }))]);
  console.log(`[sandbox] switched off what an earlier session left on: ${[...faults.map((f) => `${f.provider} ${f.mode}`), ...stopped.map((c) => `${c.queue} consumer ${c.plan.mode}`)].join(", ")}`);
}

try {
  await Promise.all([waitFor(`http://127.0.0.1:${PORT}/health`), sandboxReady.then(() => waitFor(`http://127.0.0.1:${SANDBOX_PORT}/health`))]);
  await resetSandboxSwitches(`http://127.0.0.1:${SANDBOX_PORT}`);
  const seed = spawn(process.execPath, ["scripts/seed.mjs"], { env: { ...env, CHOREO_URL: `http://127.0.0.1:${PORT}` }, stdio: "inherit" });
  await new Promise((resolve, reject) => seed.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`seed exited ${code}`)))));
  console.log(`
  choreo is running
    order API     http://localhost:${PORT}          (POST /orders, GET /orders/:id, GET /orders/:id/status, GET /products)
    reports       http://localhost:${PORT}/admin/reports/orders    (admin; also sales-per-day, stage-latency, top-skus)
    data lake     npm run lake:export -- --out lake              (then DuckDB, see docs/reporting.md)
    API docs      http://localhost:${PORT}/docs     (OpenAPI: /openapi.json)
    sandbox       http://localhost:${SANDBOX_PORT}/_sandbox/requests   (faults: POST /_sandbox/faults)
    webhooks      subscribe the sandbox receiver http://127.0.0.1:${SANDBOX_PORT}/webhooks/<name> (POST /admin/webhooks/endpoints)
    order flow    ${FLOW ?? "choreography"}  (npm run dev -- --flow orchestration|choreography)
    admin token   dev-admin-token  (from .dev.vars)
  Ctrl-C stops everything.
`);
} catch (error) {
  console.error(String(error));
  shutdown(1);
}
