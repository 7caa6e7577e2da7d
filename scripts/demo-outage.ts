// `npm run demo:outage` — run it while `npm run dev` is up (either flow: it asks which). Stops
// one part at a time through the sandbox's switches (choreography: Billing, Warehouse, Sales'
// consumer, then Stripe; orchestration: the workflow starter, Stripe, then the carrier), places
// orders that are all accepted, shows them waiting, brings the part back and shows them complete.
import { adminClient } from "./admin-client.mjs";
import { formatTable, OUTAGES, runOutage } from "./outage-scenario.ts";

const client = adminClient();
const api = client.base;
const sandbox = process.env.SANDBOX_URL ?? `http://127.0.0.1:${process.env.SANDBOX_PORT ?? 8789}`;

const order = {
  customer: { name: "Ada Lovelace", email: "ada@example.com", phone: "+14155550100" },
  items: [{ sku: "MUG-001", quantity: 1 }],
  shippingAddress: { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" },
};

try {
  await fetch(`${api}/health`);
} catch {
  console.error(`Nothing answers on ${api}. Start \`npm run dev\` first.`);
  process.exit(1);
}

// The running flow, as the admin view of a first order names it.
const probe = await fetch(`${api}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(order) });
const probeId = ((await probe.json()) as { id?: string }).id;
const flow = probeId ? ((await client.json("GET", `/orders/${probeId}`)) as { flow?: { kind?: string } }).flow?.kind : undefined;
if (flow !== "choreography" && flow !== "orchestration") {
  console.error(`Could not tell the running flow (placing an order answered ${probe.status}).`);
  process.exit(1);
}
console.log(`The running system takes orders by ${flow} (npm run dev -- --flow ${flow === "choreography" ? "orchestration" : "choreography"} shows the other).\n`);

const switchAt = async (path: string, body: unknown, what: string) => {
  const res = await fetch(`${sandbox}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`the sandbox refused to switch ${what}: ${await res.text()}`);
};

const rows = await runOutage(
  {
    async placeOrder(body) {
      const res = await fetch(`${api}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await res.json()) as { id?: string };
      return { status: res.status, ...(json.id ? { id: json.id } : {}) };
    },
    async statusOf(id) {
      return ((await client.json("GET", `/orders/${id}`)) as { status: string }).status;
    },
    setConsumer: (queue, mode) => switchAt(`/_sandbox/consumers/${queue}`, { mode }, queue),
    setProvider: (provider, mode) => switchAt("/_sandbox/faults", { provider, mode }, provider),
  },
  order,
  { outages: OUTAGES[flow], perService: Number(process.env.ORDERS ?? 5), outageSeconds: Number(process.env.OUTAGE_SECONDS ?? 8), say: (line) => console.log(line) },
);

console.log(`\n${formatTable(rows)}\n`);
const complete = rows.every((row) => row.accepted === row.placed && row.after["ready_to_ship"] === row.placed);
console.log(complete ? "Every order was accepted during the outage and completed after it." : "Some orders did not complete; see above.");
process.exit(complete ? 0 : 1);
