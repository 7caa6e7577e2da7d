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

/**
 * Applies one queue batch to the three stores. Order matters for retries: the read model
 * first, in one D1 transaction (an event that breaks it fails there, before anything else is
 * written); then the lake, and only once its objects exist the ledger saying so (a retry
 * writes the same keys again: an overwrite, not a second copy); then KV, from what D1 says
 * KV does not have yet.
 */
export async function project(stores: ProjectionStores, batch: AnyEvent[]): Promise<void> {
  const db = stores.reporting;
  const events = [...new Map(batch.map((event) => [event.id, event])).values()];
  const inLake = await eventsInLake(db, events.map((event) => event.id));
  const fresh = events.filter((event) => !inLake.has(event.id));
  if (fresh.length > 0 && !stores.piiKey) throw new MissingPiiKey();

  const cache = statusCacheStatements(db, events);
  const results = await db.batch([...readModelStatements(db, events), ...cache]);

  const keys = await landInLake(stores.lake, fresh, piiHasher(stores.piiKey ?? ""));
  if (keys.size > 0) await lakeLedgerStatement(db, keys).run();

  const unpublished = cache.length > 0 ? (results.at(-1)!.results as Unpublished[]) : [];
  await publishStatuses(db, stores.statusCache, unpublished);
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
