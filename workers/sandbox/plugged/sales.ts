// sales as `npm run dev` and the end-to-end tests run it: the sandbox's delivery hooks plugged in (workers/sandbox/plug.ts).
import { sandboxedClass, sandboxedHandler } from "../plug";
import worker, * as app from "../../sales/index";

export const Catalog = sandboxedClass(app.Catalog);
export const Order = sandboxedClass(app.Order);
export const StuckOrders = sandboxedClass(app.StuckOrders);
export default sandboxedHandler(worker);
