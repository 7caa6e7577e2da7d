import { createDeadLetterApi } from "./admin-api";
import { archiveOf } from "./archive";
import { readLetter } from "./intake";

export { DeadLetterArchive } from "./archive";

const api = createDeadLetterApi();

export default {
  fetch: (request, env, ctx) => api.fetch(request, env, ctx),
  // Every dead-letter queue lands here; a failure retries the batch, it is never dropped.
  async queue(batch, env, _ctx) {
    const letters = await Promise.all(batch.messages.map((message) => readLetter(batch.queue, message)));
    await archiveOf(env).park(letters);
    batch.ackAll();
  },
} satisfies ExportedHandler<DeadLettersEnv>;
