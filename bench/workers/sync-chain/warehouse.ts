// Warehouse inside the caller's request: the carrier's answer (or outage) is the caller's answer.
import { sandboxHooks } from "../../../src/platform/sandbox-hooks";
import { buyLabel } from "../../../workers/warehouse/carrier";

type SyncWarehouseEnv = { CARRIER_API_BASE: string; CARRIER_API_KEY: string; CARRIER_ACCOUNT: string; CARRIER_SERVICE_LEVEL: string; SANDBOX_URL: string };

const FROM = { name: "choreo warehouse", street1: "215 Clayton St", city: "San Francisco", state: "CA", zip: "94117", country: "US" };

export default {
  async fetch(request, env) {
    if ((await sandboxHooks(env.SANDBOX_URL)?.plan("warehouse"))?.mode === "down") return new Response("warehouse is down", { status: 503 });
    const shipment = (await request.json()) as Omit<Parameters<typeof buyLabel>[1], "from">;
    const config = { baseUrl: env.CARRIER_API_BASE, apiKey: env.CARRIER_API_KEY, carrierAccount: env.CARRIER_ACCOUNT, serviceLevel: env.CARRIER_SERVICE_LEVEL };
    const label = await buyLabel(config, { ...shipment, from: FROM });
    return label.kind === "bought" ? Response.json(label) : Response.json(label, { status: 502 });
  },
} satisfies ExportedHandler<SyncWarehouseEnv>;
