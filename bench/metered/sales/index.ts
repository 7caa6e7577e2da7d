// sales as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredClass } from "../meter";
import * as app from "../../../workers/sales/index";
// The worker with the accept bench's switch to count rate limits in the isolate, as Cloudflare does.
import worker from "../../edge-limits/sales/index";

export const Catalog = meteredClass(app.Catalog);
export const Order = meteredClass(app.Order);
export const StuckOrders = meteredClass(app.StuckOrders);
export default metered(worker);
