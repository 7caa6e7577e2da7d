// sales as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredClass } from "../meter";
// The worker with the accept bench's switch to count rate limits in the isolate, as Cloudflare does.
import worker, * as app from "../../edge-limits/sales/index";

export const Catalog = meteredClass(app.Catalog);
export const Order = meteredClass(app.Order);
export const StuckOrders = meteredClass(app.StuckOrders);
export default metered(worker);
