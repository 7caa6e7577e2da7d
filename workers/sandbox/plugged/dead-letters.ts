// dead-letters as `npm run dev` and the end-to-end tests run it: the sandbox's delivery hooks plugged in (workers/sandbox/plug.ts).
import { sandboxedClass, sandboxedHandler } from "../plug";
import worker, * as app from "../../dead-letters/index";

export const DeadLetterArchive = sandboxedClass(app.DeadLetterArchive);
export default sandboxedHandler(worker);
