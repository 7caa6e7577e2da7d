/**
 * Runs a Durable Object's operations one after another. An object already handles one
 * event at a time between awaits; while one operation waits on a provider, another
 * (a cancellation during a charge) must not interleave with it.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.tail.then(operation, operation);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
