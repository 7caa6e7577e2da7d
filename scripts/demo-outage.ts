// `npm run demo:outage` — run it while `npm run dev` is up. Stops Billing, then Warehouse,
// then Sales' consumer (through the sandbox's consumer switch), places orders that are all
// accepted, shows them waiting, brings the service back and shows them complete.
import { adminClient } from "./admin-client.mjs";
import { formatTable, runOutage } from "./outage-scenario.ts";

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
    async setConsumer(queue, mode) {
      const res = await fetch(`${sandbox}/_sandbox/consumers/${queue}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mode }),
      });
      if (!res.ok) throw new Error(`the sandbox refused to switch ${queue}: ${await res.text()}`);
    },
  },
  order,
  { perService: Number(process.env.ORDERS ?? 5), outageSeconds: Number(process.env.OUTAGE_SECONDS ?? 8), say: (line) => console.log(line) },
);

console.log(`\n${formatTable(rows)}\n`);
const complete = rows.every((row) => row.accepted === row.placed && row.after["ready_to_ship"] === row.placed);
console.log(complete ? "Every order was accepted during the outage and completed after it." : "Some orders did not complete; see above.");
process.exit(complete ? 0 : 1);
