import { ulid } from "ulidx";
import { toHex } from "./hash";

// Crockford base32: sortable, case-insensitive-safe, no I/L/O/U to misread.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** UUIDv7 (RFC 9562): time-ordered, so event ids sort by creation in logs and the lake. */
export function newEventId(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A ULID (48-bit time, 80 random bits; `ulidx`) with a prefix: unguessable yet sortable, so a
 * customer can't enumerate other people's orders by counting. Not ulidx's monotonic factory:
 * it makes the next id of the same millisecond the last one + 1, and an order id is what
 * guards an order, so two ids of one millisecond sort at random instead.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${ulid(now)}`;
}

export const newOrderId = () => newId("ord");

/**
 * An id of the same shape as `newId`, derived from `name` (SHA-256, 130 bits): the same name
 * always gives the same id, so a retried request finds what its first try created.
 */
export async function idFromName(prefix: string, name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  let id = "";
  for (let i = 0; i < 26; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const word = (digest[byte]! << 8) | digest[byte + 1]!;
    id += CROCKFORD[(word >> (11 - (bit & 7))) & 31];
  }
  return `${prefix}_${id}`;
}
