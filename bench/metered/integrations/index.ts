// integrations as `npm run bench` runs it: its handler and Durable Object classes metered (bench/metered/meter.ts); bench/stacks.ts builds it in place of the worker's own main.
import { metered, meteredClass } from "../meter";
import worker, * as app from "../../../workers/integrations/index";

export const Notifications = meteredClass(app.Notifications);
export const WebhookRegistry = meteredClass(app.WebhookRegistry);
export default metered(worker);
