import { z } from "zod";

// Cursor paging for admin lists: a page ends with `nextCursor` when more follow, and the next
// request passes it back. The cursor is the sort key and id of the page's last item, opaque to
// clients, so a page never skips or repeats an item however many are added meanwhile.

/** Where a page starts: after the item with this sort key and id. */
export type After = { key: string; id: string };

/** A page of `limit` items from `rows` (read with one extra, which only says that more follow). */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { items: T[]; nextCursor?: string } {
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items, nextCursor: cursorOf(items.at(-1)!) } : { items };
}

/** What a list hands out as `nextCursor`. */
export const encodeCursor = (key: string | number, id: string): string => btoa(`${key}|${id}`);

/** The sort key (an ISO time or epoch milliseconds) and id inside a cursor, or undefined when it is not one. */
export function readCursor(cursor: string, id: RegExp): { key: string; id: string } | undefined {
  let parts: string[];
  try {
    parts = atob(cursor).split("|");
  } catch {
    return undefined;
  }
  const [key, item] = parts as [string?, string?];
  const isKey = !!key && (/^\d{1,15}$/.test(key) || !Number.isNaN(Date.parse(key)));
  return parts.length === 2 && isKey && id.test(item ?? "") ? { key: key!, id: item! } : undefined;
}

/** A `cursor` query parameter: one this API handed out for items with ids like `id`; anything else is a 422 naming it. */
export const cursorParam = (id: RegExp) =>
  z
    .string()
    .max(200)
    .refine((cursor) => readCursor(cursor, id) !== undefined, "not a cursor this API returned")
    .meta({ description: "The `nextCursor` of the previous page" });

/** A `limit` query parameter. */
export const limitParam = (fallback: number, max = 500) => z.coerce.number().int().min(1).max(max).default(fallback);
