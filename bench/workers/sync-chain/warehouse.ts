// Warehouse inside the caller's request: the carrier's answer (or outage) is the caller's answer.
import { sandboxDeliveryHooks } from "../../../workers/sandbox/delivery-hooks";
import { buyLabel, type ShipFrom } from "../../../workers/warehouse/carrier";

/** SHIP_FROM: choreo Warehouse's, from its wrangler.toml (bench/stacks.ts passes it in). */
type SyncWarehouseEnv = { CARRIER_API_BASE: string; CARRIER_API_KEY: string; CARRIER_ACCOUNT: string; CARRIER_SERVICE_LEVEL: string; SANDBOX_URL: string; SHIP_FROM: ShipFrom };

export default {
  async fetch(request, env) {
    if ((await sandboxDeliveryHooks(env.SANDBOX_URL)?.batch("warehouse"))?.stopped) return new Response("warehouse is down", { status: 503 });
    const shipment = (await request.json()) as Omit<Parameters<typeof buyLabel>[1], "from">;
    const config = { baseUrl: env.CARRIER_API_BASE, apiKey: env.CARRIER_API_KEY, carrierAccount: env.CARRIER_ACCOUNT, serviceLevel: env.CARRIER_SERVICE_LEVEL };
    const label = await buyLabel(config, { ...shipment, from: env.SHIP_FROM });
    return label.kind === "bought" ? Response.json(label) : Response.json(label, { status: 502 });
  },
} satisfies ExportedHandler<SyncWarehouseEnv>;
