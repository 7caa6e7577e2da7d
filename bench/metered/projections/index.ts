// projections as `npm run bench` runs it: its handler and Durable Object classes metered (src/platform/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered } from "../../../src/platform/meter";
import worker from "../../../workers/projections/index";

export default metered(worker);
