import { newId } from "../../src/platform/ids";
import type { After } from "../../src/platform/paging";
import { log } from "../../src/platform/log";
import type { EndpointInput, EndpointPatch, EndpointView, RotatedSecret } from "./webhook-shapes";
import type { EndpointEventRow, EndpointRow } from "./webhook-tables";
import { endpointView, iso } from "./webhook-views";

/** The old secret keeps signing next to the new one this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
}

/** An endpoint after an admin's change: re-enabling clears why it was disabled and its failure streak. */
export function patchedEndpoint(row: EndpointRow, patch: EndpointPatch, now: number): EndpointRow {
  const enable = patch.enabled === true && row.status === "disabled";
  return {
    ...row,
    url: patch.url ?? row.url,
    description: patch.description ?? row.description,
    event_types: patch.eventTypes ? JSON.stringify(patch.eventTypes) : row.event_types,
    status: patch.enabled === undefined ? row.status : patch.enabled ? "enabled" : "disabled",
    disabled_reason: patch.enabled === false ? "disabled by an admin" : enable ? null : row.disabled_reason,
    failing_since: enable ? null : row.failing_since,
    updated_at: now,
  };
}

/** Endpoints and their signing secrets in the registry's SQLite; reads and writes only. */
export class EndpointStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  create(input: EndpointInput, now: number): { id: string; secret: string } {
    const id = newId("ep");
    const secret = newSecret();
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO endpoints (id, url, description, event_types, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'enabled', ?, ?)",
        id,
        input.url,
        input.description ?? "",
        JSON.stringify(input.eventTypes ?? []),
        now,
        now,
      );
      this.sql.exec("INSERT INTO secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)", id, secret, now);
    });
    return { id, secret };
  }

  get(id: string): EndpointRow | undefined {
    return this.sql.exec<EndpointRow>("SELECT * FROM endpoints WHERE id = ?", id).toArray()[0];
  }

  /** Up to `limit` endpoints in the order they were created, after the one `after` names. */
  list(limit: number, after?: After): EndpointRow[] {
    return this.sql
      .exec<EndpointRow>(
        "SELECT * FROM endpoints WHERE ?1 IS NULL OR (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
        after ? Number(after.key) : null,
        after?.id ?? null,
        limit,
      )
      .toArray();
  }

  /** The event types of each enabled endpoint ([] = all), for fan-out and the KV subscriptions. */
  enabled(): { id: string; eventTypes: string[] }[] {
    return this.sql
      .exec<{ id: string; event_types: string }>("SELECT id, event_types FROM endpoints WHERE status = 'enabled'")
      .toArray()
      .map((row) => ({ id: row.id, eventTypes: JSON.parse(row.event_types) as string[] }));
  }

  save(row: EndpointRow): void {
    this.sql.exec(
      "UPDATE endpoints SET url = ?, description = ?, event_types = ?, status = ?, disabled_reason = ?, failing_since = ?, updated_at = ? WHERE id = ?",
      row.url,
      row.description,
      row.event_types,
      row.status,
      row.disabled_reason,
      row.failing_since,
      row.updated_at,
      row.id,
    );
  }

  /** The endpoint with its delivery log, attempts and the messages no other endpoint still needs. */
  delete(id: string): void {
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE endpoint_id = ?)", id);
      for (const table of ["deliveries", "secrets", "endpoint_events"]) this.sql.exec(`DELETE FROM ${table} WHERE endpoint_id = ?`, id);
      this.sql.exec("DELETE FROM endpoints WHERE id = ?", id);
      this.sql.exec("DELETE FROM messages WHERE event_id NOT IN (SELECT event_id FROM deliveries)");
    });
  }

  /** A new secret; the current one keeps signing alongside it for 24 hours, an older one stops now. */
  rotateSecret(id: string, now: number): RotatedSecret {
    const secret = newSecret();
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM secrets WHERE endpoint_id = ? AND expires_at IS NOT NULL", id);
      this.sql.exec("UPDATE secrets SET expires_at = ? WHERE endpoint_id = ?", now + ROTATION_OVERLAP_MS, id);
      this.sql.exec("INSERT INTO secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)", id, secret, now);
    });
    return { secret, previousSecretExpiresAt: iso(now + ROTATION_OVERLAP_MS) };
  }

  /** The secrets that sign now, newest first. */
  activeSecrets(id: string, now: number): string[] {
    return this.sql
      .exec<{ secret: string }>("SELECT secret FROM secrets WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC", id, now)
      .toArray()
      .map((row) => row.secret);
  }

  setFailingSince(id: string, failingSince: number | null): void {
    this.sql.exec("UPDATE endpoints SET failing_since = ? WHERE id = ?", failingSince, id);
  }

  disable(id: string, reason: string, now: number): void {
    this.sql.exec("UPDATE endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?", reason, now, id);
    this.sql.exec("INSERT INTO endpoint_events (endpoint_id, type, at, detail) VALUES (?, 'endpoint.disabled', ?, ?)", id, now, reason);
    log("warn", "endpoint.disabled", { endpointId: id, reason });
  }

  /** Forgets activity (endpoint.disabled, …) recorded before `cutoff`. */
  pruneActivity(cutoff: number): void {
    this.sql.exec("DELETE FROM endpoint_events WHERE at < ?", cutoff);
  }

  oldestActivity(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM endpoint_events").one().at;
  }

  /** The endpoint as the admin API shows it, with its recent activity and a rotated secret still signing. */
  view(row: EndpointRow, now: number): EndpointView {
    const previous = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM secrets WHERE endpoint_id = ? AND expires_at > ?", row.id, now).toArray()[0];
    const activity = this.sql
      .exec<EndpointEventRow>("SELECT type, at, detail FROM endpoint_events WHERE endpoint_id = ? ORDER BY seq DESC LIMIT 20", row.id)
      .toArray();
    return endpointView(row, activity, previous?.expires_at);
  }
}
