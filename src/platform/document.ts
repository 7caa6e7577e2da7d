/**
 * The one JSON document a Durable Object keeps about its entity (an order, an invoice, a
 * shipment), in a one-row table so it changes inside the same SQLite transaction as the
 * object's inbox and outbox.
 */
export class StoredDocument<T> {
  constructor(
    private readonly sql: SqlStorage,
    private readonly table: string,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      body TEXT NOT NULL           -- the document, JSON
    )`);
  }

  load(): T | undefined {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM ${this.table} WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  save(value: T): void {
    this.sql.exec(
      `INSERT INTO ${this.table} (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
      JSON.stringify(value),
    );
  }
}
