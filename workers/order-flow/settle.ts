import type { AnyEvent } from "../../src/contracts/events";
import type { Reject, Retry } from "../../src/platform/outcome";
import { retryLater } from "./retry-policy";

/** The steps every service's decisions end a message with (workers/billing/invoicing.ts, workers/warehouse/shipping.ts). */
type Ending = { kind: "skip" } | { kind: "record"; publish: AnyEvent[] } | Retry | Reject | { kind: "hold"; retry: Retry };
const ENDINGS: ReadonlySet<string> = new Set(["skip", "record", "retry", "reject", "hold"]);

/** What a step of the workflow keeps: the service's record as it stands, and the facts to report. */
export type Settled<R> = { state?: R; publish: AnyEvent[] };

/**
 * Runs a service's own decisions from `first` until they end, performing each call they ask
 * for (`perform`: the calls the service's object makes). Where the object would answer its
 * queue with a retry, this throws and the workflow retries the step. So does a provider's
 * refusal (a revoked key, a request it will not take), where choreography parks the message
 * for an operator to replay: the step keeps trying, backing off, until the setup is fixed,
 * and the watchdog reports the order waiting meanwhile.
 */
export async function settle<S extends { kind: string }, R>(
  first: S,
  known: R | undefined,
  recorded: (step: S) => R,
  perform: (step: S) => Promise<S>,
): Promise<Settled<R>> {
  let step = first;
  while (!ENDINGS.has(step.kind)) step = await perform(step);
  const end = step as unknown as Ending;
  switch (end.kind) {
    case "skip":
      return known === undefined ? { publish: [] } : { state: known, publish: [] };
    case "record":
      return { state: recorded(step), publish: end.publish };
    case "retry":
      throw retryLater(end);
    case "hold":
      throw retryLater(end.retry);
    case "reject":
      throw retryLater({ reason: `refused: ${end.reason}` });
  }
}
