/**
 * What an isolate's callers are reading again, by name. A promise cannot be shared between
 * requests in workerd, so while one caller reads a value again the others keep the one they have:
 * an expiry under load costs one read, not one per request in flight.
 */
export class OneRefresh {
  private readonly names = new Set<string>();

  /** True while a caller is reading `name` again. */
  underway(name: string): boolean {
    return this.names.has(name);
  }

  /** Runs `read` with `names` marked as being read; a name another caller reads stays marked by that caller. */
  async run<T>(names: readonly string[], read: () => Promise<T>): Promise<T> {
    const claimed = names.filter((name) => !this.names.has(name));
    for (const name of claimed) this.names.add(name);
    try {
      return await read();
    } finally {
      for (const name of claimed) this.names.delete(name);
    }
  }
}
