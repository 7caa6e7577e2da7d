// Retention for the objects that keep a log (webhook deliveries, dead letters, stuck orders):
// rows older than a window are deleted by the object's own alarm, a batch per wake-up.

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows deleted per alarm; when more are due the alarm is set again at once. */
export const PRUNE_BATCH = 500;

/** A `*_RETENTION_DAYS` var in milliseconds: a positive number of days, else the default. */
export function retentionMs(configured: unknown, defaultDays: number): number {
  const days = Number(configured);
  return (Number.isFinite(days) && days > 0 ? days : defaultDays) * DAY_MS;
}

/**
 * The alarm that keeps an object pruned. `ensure` after a write that leaves a row to prune one
 * day: it reads the alarm once per object lifetime and writes only when none is set (or a later
 * one), so busy paths pay nothing. After pruning, `rearm` with when the next row expires (or null).
 */
export class PruneAlarm {
  private armed = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  async ensure(at: number): Promise<void> {
    if (this.armed) return;
    const current = await this.storage.getAlarm();
    if (current === null || current > at) await this.storage.setAlarm(at);
    this.armed = true;
  }

  async rearm(next: number | null): Promise<void> {
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
    this.armed = next !== null;
  }
}
