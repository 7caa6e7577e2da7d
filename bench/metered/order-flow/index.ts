// order-flow as `npm run bench` runs it: its handler and Workflow class metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredWorkflow } from "../meter";
import worker, * as app from "../../../workers/order-flow/index";

export const OrderFlow = meteredWorkflow(app.OrderFlow);
export default metered(worker);
