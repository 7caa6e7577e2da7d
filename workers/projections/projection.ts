import type { AnyEvent } from "../../src/contracts/events";
import { retry, type Outcome } from "../../src/platform/outcome";
import { landInLake } from "./lake";
import { piiHasher } from "./pii";
import { eventsInLake, readModelStatements } from "./read-model";

export type ProjectionStores = {
  reporting: D1Database;
  lake: R2Bucket;
  /** The secret PII is hashed with before it reaches the lake. */
  piiKey: string | undefined;
};

/**
 * Applies one queue batch to the two stores. Order matters for retries: first D1 says which
 * events its orders already have in the lake (so D1 being down writes nothing anywhere);
 * then the others land in the lake; then one D1 batch writes each order's row and, in the same
 * row, that its events landed. A failure in between retries the batch, which writes the same
 * lake keys again (an overwrite, not a second copy); an event is never recorded as landed
 * before its object exists.
 */
export async function project(stores: ProjectionStores, batch: AnyEvent[]): Promise<void> {
  const db = stores.reporting;
  const events = [...new Map(batch.map((event) => [event.id, event])).values()];
  const inLake = await eventsInLake(db, events);
  const fresh = events.filter((event) => !inLake.has(event.id));
  if (fresh.length > 0 && !stores.piiKey) throw new MissingPiiKey();

  await landInLake(stores.lake, fresh, piiHasher(stores.piiKey ?? ""));
  await db.batch(readModelStatements(db, events));
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
