import { CloudEvent } from "../../src/contracts/envelope";
import { isKnownEventType, type AnyEvent } from "../../src/contracts/events";
import { LAKE_PREFIX, readLakeObject } from "./lake";
import { READ_MODEL_TABLES, readModelStatements } from "./read-model";

/** Lake objects replayed per call: well inside one invocation's subrequest and CPU limits. */
const OBJECTS_PER_PAGE = 50;
const EVENTS_PER_D1_BATCH = 100;

export type RebuildPage = { objects: number; events: number; skipped: number; done: boolean; cursor?: string };

/**
 * One page of a rebuild of the read model from the lake. The first page (no cursor) empties
 * the read model; each page replays the next lake objects through the same statements as the live
 * projection, which give the same rows whatever the order, so the result equals the live
 * rows (each row's lake ids included). Lake events carry hashed PII, which the read model
 * never stores.
 */
export async function rebuildPage(db: D1Database, lake: R2Bucket, cursor?: string): Promise<RebuildPage> {
  if (!cursor) await db.batch(READ_MODEL_TABLES.map((table) => db.prepare(`DELETE FROM ${table}`)));
  const listed = await lake.list({ prefix: LAKE_PREFIX, limit: OBJECTS_PER_PAGE, ...(cursor ? { cursor } : {}) });
  let skipped = 0;
  const replay: AnyEvent[] = [];
  // Fetched together, replayed in listing order all the same.
  const objects = await Promise.all(listed.objects.map(({ key }) => readLakeObject(lake, key)));
  for (const records of objects) {
    for (const record of records) {
      // Validated when received; here only the envelope is checked, since PII fields are hashed.
      const envelope = CloudEvent.safeParse(record);
      if (envelope.success && isKnownEventType(envelope.data.type)) replay.push(record as AnyEvent);
      else skipped++;
    }
  }
  for (let i = 0; i < replay.length; i += EVENTS_PER_D1_BATCH) {
    await db.batch(readModelStatements(db, replay.slice(i, i + EVENTS_PER_D1_BATCH)));
  }
  return {
    objects: listed.objects.length,
    events: replay.length,
    skipped,
    done: !listed.truncated,
    ...(listed.truncated ? { cursor: listed.cursor } : {}),
  };
}
