// dead-letters as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredClass } from "../meter";
import worker, * as app from "../../../workers/dead-letters/index";

export const DeadLetterArchive = meteredClass(app.DeadLetterArchive);
export default metered(worker);
