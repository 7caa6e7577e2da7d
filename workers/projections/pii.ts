import type { AnyEvent } from "../../src/contracts/events";
import { toHex } from "../../src/platform/hash";

/**
 * Customer PII in event payloads, by field name: contact fields anywhere, names only of a
 * person (a product's `name` stays), address lines anywhere. City, postal code and country
 * stay readable for regional reports.
 */
const ALWAYS = new Set(["email", "phone", "line1", "line2"]);
const PEOPLE = new Set(["customer", "shipTo"]);

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

/** The same person always hashes the same, so analysts can join on it without seeing it. */
const normalize = (field: string, value: string) => (field === "email" ? value.trim().toLowerCase() : value.trim());

export type PiiHasher = (field: string, value: string) => Promise<string>;

/**
 * HMAC-SHA-256 under the secret key, truncated to 128 bits: `pii:<32 hex>`. One hasher per
 * batch: it signs each distinct value once, though order.placed, every snapshot and
 * order.billed carry the same customer.
 */
export function piiHasher(secret: string): PiiHasher {
  const hashes = new Map<string, Promise<string>>();
  const sign = async (input: string) => {
    const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(input));
    return `pii:${toHex(new Uint8Array(mac).slice(0, 16))}`;
  };
  return (field, value) => {
    const input = `${field}:${normalize(field, value)}`;
    let hash = hashes.get(input);
    if (!hash) {
      hash = sign(input);
      hashes.set(input, hash);
    }
    return hash;
  };
}

/** A copy of the event with every PII value replaced by its keyed hash. */
export async function redactPii(event: AnyEvent, hash: PiiHasher): Promise<AnyEvent> {
  return (await redact(event, undefined, hash)) as AnyEvent;
}

async function redact(value: unknown, parentKey: string | undefined, hash: PiiHasher): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((item) => redact(item, parentKey, hash)));
  if (!value || typeof value !== "object") return value;
  const entries = await Promise.all(
    Object.entries(value).map(async ([key, field]): Promise<[string, unknown]> => {
      const personal = ALWAYS.has(key) || (key === "name" && parentKey !== undefined && PEOPLE.has(parentKey));
      if (personal && typeof field === "string") return [key, await hash(key === "name" ? "name" : key, field)];
      return [key, await redact(field, key, hash)];
    }),
  );
  return Object.fromEntries(entries);
}
