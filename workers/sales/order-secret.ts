import { sameSecret } from "../../src/platform/auth";

const encoder = new TextEncoder();

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/**
 * An order's client secret (as Stripe's `client_secret`): its id and an HMAC-SHA256 of the id
 * under ORDER_SECRET_KEY. Derived, never stored, so it costs no write and travels in no event,
 * text, webhook or lake object; only the placement response carries it.
 */
export async function clientSecretFor(orderId: string, key: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKeyOf(key), encoder.encode(`choreo-order-secret:${orderId}`));
  return `${orderId}_secret_${base64url(mac)}`;
}

/** The imported key, once per isolate (importing costs more than signing). */
let imported: { raw: string; key: Promise<CryptoKey> } | undefined;
function hmacKeyOf(raw: string): Promise<CryptoKey> {
  if (imported?.raw !== raw) imported = { raw, key: crypto.subtle.importKey("raw", encoder.encode(raw), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]) };
  return imported.key;
}

/** True when `given` is the client secret of order `orderId` (constant-time). */
export async function isClientSecretOf(orderId: string, given: string, key: string): Promise<boolean> {
  return sameSecret(given, await clientSecretFor(orderId, key));
}
