// The least a durable step does, for the bench's baselines (bench/workers/minimal and relay):
// a Durable Object that inserts one row per call, into an object the caller names (new for
// each order or message, as choreo's per-order objects are).
import { DurableObject } from "cloudflare:workers";

export class OneRow extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS row (body TEXT NOT NULL)");
  }

  insert(body: string): void {
    this.ctx.storage.sql.exec("INSERT INTO row (body) VALUES (?)", body);
  }
}
