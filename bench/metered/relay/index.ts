// The durable relay as `npm run bench` runs it: metered like choreo's workers (bench/metered/meter.ts),
// so both systems carry the same instrumentation when their capacities are compared.
import { metered, meteredClass } from "../meter";
import relay, * as parts from "../../workers/relay/index";

export const OneRow = meteredClass(parts.OneRow);
export const Empty = meteredClass(parts.Empty);
export default metered(relay);
