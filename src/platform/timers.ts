/**
 * A Durable Object has one alarm; several concerns need one (the outbox relay, the
 * stuck-order watchdog). Timers keeps named deadlines in a table and points the alarm at
 * the earliest, so each concern schedules its own work without knowing about the others.
 */
export class Timers {
  /** What the alarm is believed to be set to; undefined = unknown (object just woke). */
  private armedAt: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS timers (
      name TEXT PRIMARY KEY,
      due INTEGER NOT NULL          -- epoch ms
    ) WITHOUT ROWID`);
  }

  /** Sets (or moves) a deadline. Synchronous, so it can join the caller's transaction. */
  schedule(name: string, due: number): void {
    this.storage.sql.exec(
      "INSERT INTO timers (name, due) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due = excluded.due",
      name,
      due,
    );
    this.arm();
  }

  /** Sets a deadline only if the timer is not already due earlier. */
  scheduleNoLaterThan(name: string, due: number): void {
    const current = this.dueOf(name);
    if (current === undefined || due < current) this.schedule(name, due);
  }

  cancel(name: string): void {
    if (this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name).rowsWritten > 0) this.arm();
  }

  dueOf(name: string): number | undefined {
    return this.storage.sql.exec<{ due: number }>("SELECT due FROM timers WHERE name = ?", name).toArray()[0]?.due;
  }

  /**
   * Call from the object's `alarm()`: removes and returns the timers that are due, and
   * re-arms for the next one. The caller runs the work for each name it gets back.
   */
  takeDue(now = Date.now()): string[] {
    this.armedAt = undefined;
    const due = this.storage.sql.exec<{ name: string }>("SELECT name FROM timers WHERE due <= ? ORDER BY due", now).toArray();
    for (const { name } of due) this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name);
    this.arm();
    return due.map((timer) => timer.name);
  }

  /** Points the alarm at the earliest deadline; written without an await, in the caller's batch. */
  private arm(): void {
    const next = this.storage.sql.exec<{ due: number | null }>("SELECT min(due) AS due FROM timers").one().due;
    if (next === this.armedAt) return;
    if (next === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(next);
    this.armedAt = next;
  }
}

/** The body of an object's `alarm()`: runs the work of each due timer by name. */
export async function runDueTimers(timers: Timers, work: Record<string, () => Promise<unknown> | unknown>): Promise<void> {
  for (const name of timers.takeDue()) await work[name]?.();
}
