// warehouse as `npm run dev` and the end-to-end tests run it: the sandbox's delivery hooks plugged in (workers/sandbox/plug.ts).
import { sandboxedClass, sandboxedHandler } from "../plug";
import worker, * as app from "../../warehouse/index";

export const Shipment = sandboxedClass(app.Shipment);
export const StockDirectory = sandboxedClass(app.StockDirectory);
export const StockItem = sandboxedClass(app.StockItem);
export default sandboxedHandler(worker);
