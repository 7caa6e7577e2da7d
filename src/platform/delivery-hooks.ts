import type { AnyEvent } from "../contracts/events";

/**
 * Seams where a stand-in may watch and disturb deliveries: the provider sandbox installs one in
 * dev and tests (workers/sandbox/plug.ts) to stop a service, inject faults and audit every event;
 * production installs none, so none of this runs there.
 */
export type DeliveryHooks = {
  /** Before a consumer handles a batch of `queue`. */
  batch(queue: string): Promise<BatchHooks>;
  /** Before events go to a queue; throwing fails that send (the publisher keeps them and tries again). */
  beforeSend(queue: string, events: readonly AnyEvent[], firstTry: boolean): Promise<void>;
  /** Events published, consumed or parked dead, for the stand-in's ledger. */
  record(records: readonly DeliveryRecord[]): Promise<void>;
};

export type BatchHooks = {
  /** The service is stopped: every message is retried later, none handled. */
  stopped: boolean;
  /** Before a message is handled; throwing is the consumer crashing. */
  beforeHandling(message: Message<unknown>): void;
  /** After a message was handled: true loses its ack, so the queue delivers it again. */
  loseAck(message: Message<unknown>): boolean;
  /** A handler that throws is retried after this many seconds instead of with backoff. */
  retryThrownAfterSeconds?: number;
  /** The longest a retry waits: the stand-in's lost acks and crashes also count as attempts, which the backoff doubles on. */
  backoffCapSeconds?: number;
};

export type DeliveryRecord = { kind: "published" | "consumed" | "dead"; queue: string; eventId: string; type: string };

let installed: DeliveryHooks | undefined;

/** For the sandbox's plug only: production code never calls it. */
export function installDeliveryHooks(hooks: DeliveryHooks | undefined): void {
  installed = hooks;
}

export const deliveryHooks = (): DeliveryHooks | undefined => installed;
