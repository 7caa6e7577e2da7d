/**
 * A Durable Object has one alarm; several concerns need one (the outbox relay, the
 * stuck-order watchdog). Timers keeps named deadlines in a table and points the alarm at
 * the earliest, so each concern schedules its own work without knowing about the others.
 * Every setAlarm is billed as a row written, so the alarm is only moved when its time changes.
 */
export class Timers {
  /** What the alarm is believed to be set to; undefined = unknown (object just woke). */
  private armedAt: number | null | undefined;
  /** Deadlines kept by the alarm alone (see wakeBy); gone after a restart, by design. */
  private readonly wakes = new Map<string, number>();
  /** Inside batch(): the alarm is pointed once, at the end. */
  private batching = 0;
  private rearm = false;

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

  /**
   * Makes the alarm fire by `due` without writing a row: for work the object finds again by
   * itself when it restarts (a pending outbox is relayed from the constructor), so only the
   * wake-up must be durable. Saves a row written and deleted each time (rows are billed).
   */
  wakeBy(name: string, due: number): void {
    const current = this.wakes.get(name);
    if (current !== undefined && current <= due) return;
    this.wakes.set(name, due);
    this.arm();
  }

  cancel(name: string): void {
    const woke = this.wakes.delete(name);
    if (this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name).rowsWritten > 0 || woke) this.arm();
  }

  dueOf(name: string): number | undefined {
    return this.storage.sql.exec<{ due: number }>("SELECT due FROM timers WHERE name = ?", name).toArray()[0]?.due ?? this.wakes.get(name);
  }

  /** Runs `change` (schedules, cancels, a transaction) and then points the alarm once, not at every step. */
  batch<T>(change: () => T): T {
    this.batching++;
    try {
      return change();
    } finally {
      if (--this.batching === 0 && this.rearm) {
        this.rearm = false;
        this.arm();
      }
    }
  }

  /**
   * Call from the object's `alarm()`: removes and returns the timers that are due, and
   * re-arms for the next one. The caller runs the work for each name it gets back.
   */
  takeDue(now = Date.now()): string[] {
    this.armedAt = undefined;
    const due = this.storage.sql.exec<{ name: string }>("SELECT name FROM timers WHERE due <= ? ORDER BY due", now).toArray();
    for (const { name } of due) this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name);
    const names = new Set(due.map((timer) => timer.name));
    for (const [name, at] of this.wakes) {
      if (at > now) continue;
      this.wakes.delete(name);
      names.add(name);
    }
    this.arm();
    return [...names];
  }

  /** Points the alarm at the earliest deadline; written without an await, in the caller's batch. */
  private arm(): void {
    if (this.batching > 0) {
      this.rearm = true;
      return;
    }
    const stored = this.storage.sql.exec<{ due: number | null }>("SELECT min(due) AS due FROM timers").one().due;
    const next = [...this.wakes.values()].reduce<number | null>((earliest, at) => (earliest === null || at < earliest ? at : earliest), stored);
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
