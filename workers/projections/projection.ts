import type { AnyEvent } from "../../src/contracts/events";
import { retry, type Outcome } from "../../src/platform/outcome";
import { landInLake } from "./lake";
import { piiHasher } from "./pii";
import { eventsInLake, lakeLedgerStatement, readModelStatements } from "./read-model";
import { publishStatuses, statusCacheStatements, type Unpublished } from "./status-cache";

export type ProjectionStores = {
  reporting: D1Database;
  lake: R2Bucket;
  statusCache: KVNamespace;
  /** The secret PII is hashed with before it reaches the lake. */
  piiKey: string | undefined;
};

export type Projected = { events: number; landed: number; statusWrites: number };

/**
 * Applies one queue batch to the three stores. Order matters for retries: the lake objects
 * are written first (a retry overwrites them under the same keys), then the read model and
 * the lake ledger in one D1 transaction, then KV from what D1 says is newer than KV.
 */
export async function project(stores: ProjectionStores, batch: AnyEvent[]): Promise<Projected> {
  const events = [...new Map(batch.map((event) => [event.id, event])).values()];
  const inLake = await eventsInLake(stores.reporting, events.map((event) => event.id));
  const fresh = events.filter((event) => !inLake.has(event.id));
  if (fresh.length > 0 && !stores.piiKey) throw new MissingPiiKey();
  const keys = await landInLake(stores.lake, fresh, piiHasher(stores.piiKey ?? ""));

  const db = stores.reporting;
  const cache = statusCacheStatements(db, events);
  const results = await db.batch([
    ...readModelStatements(db, events),
    ...(keys.size > 0 ? [lakeLedgerStatement(db, keys)] : []),
    ...cache,
  ]);
  const unpublished = cache.length > 0 ? (results.at(-1)!.results as Unpublished[]) : [];
  const statusWrites = await publishStatuses(db, stores.statusCache, unpublished);
  return { events: events.length, landed: keys.size, statusWrites };
}

export class MissingPiiKey extends Error {
  constructor() {
    super("LAKE_PII_KEY is not set: nothing is written to the lake unhashed");
  }
}

/** The projection as a whole-batch handler: nothing is lost, a failure retries the batch. */
export function projectionHandler(stores: ProjectionStores) {
  return async (batch: { event: AnyEvent }[]): Promise<Outcome> => {
    try {
      await project(stores, batch.map(({ event }) => event));
      return { kind: "done" };
    } catch (error) {
      // Without the key the batch waits (and ends in the DLQ after max_retries), never leaks.
      if (error instanceof MissingPiiKey) return retry(error.message, 300);
      throw error;
    }
  };
}
