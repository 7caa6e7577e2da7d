// `npm run reporting:rebuild [-- --remote]`: rebuilds the reporting read model (D1) from the
// data lake (R2). The projections worker empties the read-model tables, then replays the lake
// one page of objects per call; this drives the pages. Local by default (`npm run dev` must be
// running); --remote rebuilds the deployed database through the deployed admin API.
import { adminClient } from "./admin-client.mjs";

try {
  const admin = adminClient();
  const total = { pages: 0, objects: 0, events: 0, skipped: 0 };
  let cursor;
  do {
    const page = await admin.json("POST", "/admin/reports/rebuild", cursor ? { cursor } : {});
    total.pages++;
    total.objects += page.objects;
    total.events += page.events;
    total.skipped += page.skipped;
    process.stdout.write(`\rreplayed ${total.objects} lake objects, ${total.events} events`);
    cursor = page.done ? undefined : page.cursor;
  } while (cursor);
  console.log(`\nread model rebuilt from the lake at ${admin.base}: ${total.events} events from ${total.objects} objects in ${total.pages} pages` +
    (total.skipped ? `, ${total.skipped} unreadable lines skipped` : ""));
} catch (error) {
  console.error(`\n${String(error.message ?? error)}`);
  process.exit(1);
}
