// integrations as `npm run dev` and the end-to-end tests run it: the sandbox's delivery hooks plugged in (workers/sandbox/plug.ts).
import { sandboxedClass, sandboxedHandler } from "../plug";
import worker, * as app from "../../integrations/index";

export const Notifications = sandboxedClass(app.Notifications);
export const WebhookRegistry = sandboxedClass(app.WebhookRegistry);
export default sandboxedHandler(worker);
