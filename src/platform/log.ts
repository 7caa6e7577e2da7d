type Fields = Record<string, unknown>;

/**
 * One JSON line per log entry, so Workers Logs and `wrangler tail` can filter by
 * correlation id across every worker an order passed through.
 */
export function log(level: "info" | "warn" | "error", message: string, fields: Fields = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
