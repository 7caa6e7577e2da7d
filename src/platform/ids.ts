import { decodeTime, encodeTime, ulid } from "ulidx";
import { toHex } from "./hash";

// Crockford base32: sortable, case-insensitive-safe, no I/L/O/U to misread.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID's parts: 10 characters of time (48 bits, milliseconds), then 16 random ones (80 bits). */
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

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

/** An order's id: a ULID of the time it was placed, so order ids sort as the orders were placed. */
export const newOrderId = (now = Date.now()) => newId("ord", now);

/**
 * An id of the same shape as `newId` with the time part of `now` and random part derived from
 * `name` (80 bits of its SHA-256): the same name always gives the same random part, whenever it
 * is asked for, so a retried request finds what its first try created (the object named by
 * `orderObjectName`), and the id still sorts by time.
 */
export async function idFromName(prefix: string, name: string, now = Date.now()): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(name)));
  let random = "";
  for (let i = 0; i < RANDOM_CHARS; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const word = (digest[byte]! << 8) | digest[byte + 1]!;
    random += CROCKFORD[(word >> (11 - (bit & 7))) & 31];
  }
  return `${prefix}_${encodeTime(now, TIME_CHARS)}${random}`;
}

/** The time (epoch milliseconds) an id of `newId`'s or `idFromName`'s shape was made for. */
export const timeOfId = (id: string): number => decodeTime(id.slice(id.indexOf("_") + 1));

/**
 * The smallest id with a time part at or after `time`: ids between two of these are exactly the
 * ids made in that time range, so a range of time is a range of ids (a primary-key range in D1).
 */
export const firstIdAt = (prefix: string, time: number): string => `${prefix}_${encodeTime(time, TIME_CHARS)}${"0".repeat(RANDOM_CHARS)}`;

/**
 * The name of the Order object that holds order `orderId`: the id's random part alone. A retry of
 * an Idempotency-Key makes an id with its own time and the first try's random part, so it reaches
 * the first try's object; the object answers only to the id it stores (any other time part names
 * no order). Every Order stub, in every worker, is made from this name.
 */
export const orderObjectName = (orderId: string): string => orderId.slice(-RANDOM_CHARS);
