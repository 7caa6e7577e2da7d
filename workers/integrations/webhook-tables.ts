import type { DeliveryStatus, EndpointStatus } from "./webhook-shapes";

// The registry's SQLite tables and their rows as SQL returns them (ms timestamps, JSON text);
// webhook-views.ts turns rows into the admin API's shapes.

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  event_types TEXT NOT NULL,        -- JSON array of event types; [] = all
  status TEXT NOT NULL,             -- enabled | disabled
  disabled_reason TEXT,
  failing_since INTEGER,            -- ms; first failure since the last success
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
  endpoint_id TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,               -- set on rotation: the old secret signs until then
  PRIMARY KEY (endpoint_id, secret)
);
CREATE TABLE IF NOT EXISTS messages (
  event_id TEXT PRIMARY KEY,        -- also the webhook-id, stable across retries and replays
  body TEXT NOT NULL                -- the CloudEvent exactly as signed and sent
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,             -- pending | sending | retrying | scheduled | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  round_start INTEGER NOT NULL DEFAULT 0, -- attempts made before the last replay
  next_attempt_at INTEGER,
  last_error TEXT,
  started_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX IF NOT EXISTS deliveries_by_endpoint ON deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_by_age ON deliveries (created_at);
CREATE TABLE IF NOT EXISTS attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  response TEXT NOT NULL,           -- first 1 KiB of the answer
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE IF NOT EXISTS endpoint_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL,
  type TEXT NOT NULL,               -- endpoint.disabled, …
  at INTEGER NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS endpoint_events_by_age ON endpoint_events (at);`;

export type EndpointRow = {
  id: string;
  url: string;
  description: string;
  event_types: string;
  status: EndpointStatus;
  disabled_reason: string | null;
  failing_since: number | null;
  created_at: number;
  updated_at: number;
};

export type DeliveryRow = {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  round_start: number;
  next_attempt_at: number | null;
  last_error: string | null;
  started_at: number | null;
  created_at: number;
};

export type AttemptRow = {
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  latency_ms: number;
  response: string;
  error: string | null;
};

export type EndpointEventRow = { type: string; at: number; detail: string };
