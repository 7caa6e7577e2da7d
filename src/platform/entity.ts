import type { AnyEvent } from "../contracts/events";
import type { QueueName } from "../contracts/topology";
import { OneAtATime } from "./one-at-a-time";
import { done, retry, type Outcome, type Retry } from "./outcome";
import { publishEvents, type Publishing } from "./queues";

/**
 * What a change answers: a queue message (whose redelivery sends its events again if they
 * did not all go out) or a request (an API call, which has no redelivery: the object's alarm
 * sends them again).
 */
export type Cause = { id: string; by: "event" | "request" };

/** Events committed with a change and not yet known to be on every subscriber's queue. */
type Publication = { cause: string; by: Cause["by"]; events: AnyEvent[] };

/** The whole of what an entity object stores: one key, so one row written per change. */
export type EntityRecord<S> = {
  state?: S;
  /** Ids of the events already applied; a redelivery of one changes nothing. */
  applied: string[];
  /** Publications not known sent when this record was written. */
  unsent: Publication[];
};

/** The storage key of the record (the Durable Object's SQLite-backed KV). */
export const ENTITY_KEY = "entity";

/**
 * The storage of one entity object (an order, an invoice, a shipment): its state, the ids of
 * the events it applied and the events it publishes, in ONE record written once per change.
 * Events go out right after the write, as an NServiceBus outbox does; a publication is only
 * dropped from the record by a later write, once this object's life has seen it sent, so the
 * common path costs one row written per change and nothing more. After a crash or a failed
 * send, the redelivered message (or, for a request, the alarm) sends the events again; the
 * consumers' own applied-ids make the duplicates harmless.
 */
export class EntityStore<S> {
  private record: EntityRecord<S>;
  /** Queues each publication reached in this life (a restart forgets: it then sends to all). */
  private readonly reached = new Map<string, Set<QueueName>>();
  /** Publications that reached every queue in this life: the next write drops them. */
  private readonly sent = new Set<string>();
  private readonly serial = new OneAtATime();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly publishing: Publishing,
  ) {
    this.record = storage.kv.get<EntityRecord<S>>(ENTITY_KEY) ?? { applied: [], unsent: [] };
  }

  get state(): S | undefined {
    return this.record.state;
  }

  hasApplied(eventId: string): boolean {
    return this.record.applied.includes(eventId);
  }

  /** Saves the state alone (a note taken before a provider call); one row written. */
  save(state: S): void {
    this.write({ ...this.record, state });
  }

  /** Keeps a note of a provider call that got no usable answer, and answers the message with its retry. */
  hold(state: S, retry: Retry): Outcome {
    this.save(state);
    return retry;
  }

  /**
   * Commits `state` as the outcome of `cause` with the events it publishes, in one write,
   * then sends them. True when every subscriber queue has them (nothing to send is true).
   * `sendAfter`: called once the record is written; the sends start when it settles, e.g. the write being on disk, so that a
   * request's answer does not wait for their work (they leave no sooner anyway: an object's
   * messages wait for its writes).
   */
  async commit(cause: Cause, state: S, publish: readonly AnyEvent[] = [], options: { sendAfter?: () => Promise<unknown> } = {}): Promise<boolean> {
    const kept = this.record.unsent.filter((publication) => !this.sent.has(publication.cause));
    const applied = cause.by === "event" ? [...this.record.applied, cause.id] : this.record.applied;
    const unsent = publish.length > 0 ? [...kept, { cause: cause.id, by: cause.by, events: [...publish] }] : kept;
    this.write({ state, applied, unsent });
    if (publish.length === 0) return true;
    if (options.sendAfter) await options.sendAfter();
    return this.send(cause.id);
  }

  /**
   * Handles a consumed event one at a time (a cancellation must not interleave with a charge in
   * flight): an event applied before only gets its unsent events sent again; any other runs `work`.
   */
  handle(cause: AnyEvent, work: (state: S | undefined) => Promise<Outcome>): Promise<Outcome> {
    return this.serial.run(() => (this.hasApplied(cause.id) ? this.redelivered(cause) : work(this.state)));
  }

  /** `commit` for an event a consumer handed over, answered as the consumer's outcome. */
  async settle(cause: AnyEvent, state: S, publish: readonly AnyEvent[] = [], note?: string): Promise<Outcome> {
    return unlessUnsent(cause, await this.commit({ id: cause.id, by: "event" }, state, publish), note);
  }

  /** The answer to an event applied before: only what it published and did not get out is sent again. */
  async redelivered(cause: AnyEvent): Promise<Outcome> {
    return unlessUnsent(cause, await this.republish(cause.id), `duplicate ${cause.type.replace(/\.v\d+$/, "")} ignored`);
  }

  /** Sends again what `cause` published and no send of this life completed (its message came back). */
  async republish(causeId: string): Promise<boolean> {
    return this.record.unsent.some((publication) => publication.cause === causeId && !this.sent.has(causeId)) ? this.send(causeId) : true;
  }

  /** True when publications made for requests may still be missing from a queue. */
  hasUnsentRequests(): boolean {
    return this.record.unsent.some((publication) => publication.by === "request" && !this.sent.has(publication.cause));
  }

  /**
   * Sends every publication made for a request that is not known sent (the alarm's job, as a
   * request has no redelivery), then forgets all sent ones in one write. True when all went out.
   */
  async flushRequests(): Promise<boolean> {
    const pending = this.record.unsent.filter((publication) => publication.by === "request" && !this.sent.has(publication.cause));
    const results = await Promise.all(pending.map((publication) => this.send(publication.cause)));
    this.forgetSent();
    return results.every(Boolean);
  }

  /** Drops the publications known sent, with a write of its own (for a change no later write will follow). */
  forgetSent(): void {
    if (this.record.unsent.some((publication) => this.sent.has(publication.cause))) {
      this.write({ ...this.record, unsent: this.record.unsent.filter((publication) => !this.sent.has(publication.cause)) });
    }
  }

  private async send(causeId: string): Promise<boolean> {
    const publication = this.record.unsent.find((candidate) => candidate.cause === causeId);
    if (!publication) return true;
    const before = this.reached.get(causeId);
    const delivery = await publishEvents(this.publishing, publication.events, { reached: before, firstTry: before === undefined });
    this.reached.set(causeId, delivery.reached);
    if (delivery.complete) this.sent.add(causeId);
    return delivery.complete;
  }

  private write(record: EntityRecord<S>): void {
    this.storage.kv.put(ENTITY_KEY, record);
    this.record = record;
    for (const cause of this.sent) if (!record.unsent.some((publication) => publication.cause === cause)) this.forget(cause);
  }

  private forget(cause: string): void {
    this.sent.delete(cause);
    this.reached.delete(cause);
  }
}

/** A message whose events did not all go out is retried: its redelivery sends what is missing. */
function unlessUnsent(cause: AnyEvent, sent: boolean, note?: string): Outcome {
  return sent ? done(note) : retry(`the events ${cause.type} led to could not all be published yet`, 1);
}
