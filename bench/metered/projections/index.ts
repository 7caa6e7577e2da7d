// projections as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered } from "../meter";
import worker from "../../../workers/projections/index";

export default metered(worker);
