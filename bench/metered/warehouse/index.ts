// warehouse as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredClass } from "../meter";
import worker, * as app from "../../../workers/warehouse/index";

export const StockDirectory = meteredClass(app.StockDirectory);
export const StockItem = meteredClass(app.StockItem);
export const Shipment = meteredClass(app.Shipment);
export default metered(worker);
