// order-flow as `npm run dev` and the end-to-end tests run it: the sandbox's delivery hooks plugged in (workers/sandbox/plug.ts).
import { sandboxedClass, sandboxedHandler } from "../plug";
import worker, * as app from "../../order-flow/index";

export const OrderFlow = sandboxedClass(app.OrderFlow);
export default sandboxedHandler(worker);
