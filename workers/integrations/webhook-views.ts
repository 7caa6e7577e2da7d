import type { AttemptRow, DeliveryRow, EndpointEventRow, EndpointRow } from "./webhook-tables";
import type { AttemptView, DeliveryView, EndpointView } from "./webhook-shapes";

// Rows → the admin API's shapes, in one place: ms become ISO times, NULLs absent fields.

export const iso = (ms: number) => new Date(ms).toISOString();

export function endpointView(row: EndpointRow, activity: EndpointEventRow[], previousSecretExpiresAt: number | undefined): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    status: row.status,
    ...(row.disabled_reason ? { disabledReason: row.disabled_reason } : {}),
    ...(row.failing_since ? { failingSince: iso(row.failing_since) } : {}),
    ...(previousSecretExpiresAt ? { previousSecretExpiresAt: iso(previousSecretExpiresAt) } : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    activity: activity.map((e) => ({ type: e.type, at: iso(e.at), detail: e.detail })),
  };
}

function attemptView(a: AttemptRow): AttemptView {
  return {
    attempt: a.attempt,
    at: iso(a.at),
    ...(a.status_code === null ? {} : { statusCode: a.status_code }),
    latencyMs: a.latency_ms,
    ...(a.response ? { response: a.response } : {}),
    ...(a.error ? { error: a.error } : {}),
  };
}

/** Deliveries in the order given, each with its attempts (`attempts` sorted by delivery and attempt). */
export function deliveryViews(rows: DeliveryRow[], attempts: Iterable<AttemptRow>): DeliveryView[] {
  const byDelivery = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    const list = byDelivery.get(a.delivery_id) ?? [];
    list.push(attemptView(a));
    byDelivery.set(a.delivery_id, list);
  }
  return rows.map((row) => ({
    id: row.id,
    webhookId: row.event_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    ...(row.next_attempt_at ? { nextAttemptAt: iso(row.next_attempt_at) } : {}),
    ...(row.last_error ? { lastError: row.last_error } : {}),
    createdAt: iso(row.created_at),
    attempts: byDelivery.get(row.id) ?? [],
  }));
}
