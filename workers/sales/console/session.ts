import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sameSecret } from "../../../src/platform/auth";

// The console's session: the admin token itself, kept where page scripts cannot read it
// (HttpOnly), sent only to /console over HTTPS (Secure; localhost counts as secure) and never
// on a request another site starts (SameSite=Strict). Each session has a nonce; its CSRF token
// is an HMAC of that nonce under the admin token, so it is useless without the cookie.

export const SESSION_COOKIE = "choreo_console";
const COOKIE_PATH = "/console";
const SESSION_SECONDS = 8 * 3600;

export type Session = { token: string; nonce: string };

const encoder = new TextEncoder();
const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** The session in the request's cookie, if any (not yet checked against the admin API). */
export function sessionOf(c: Context): Session | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  const split = value?.indexOf(":") ?? -1;
  if (!value || split < 1 || split === value.length - 1) return undefined;
  return { nonce: value.slice(0, split), token: value.slice(split + 1) };
}

export function startSession(c: Context, token: string): void {
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  setCookie(c, SESSION_COOKIE, `${nonce}:${token}`, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict", maxAge: SESSION_SECONDS });
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
}

/** The token every form of this session carries. */
export async function csrfTokenOf(session: Session): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(session.token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64url(await crypto.subtle.sign("HMAC", key, encoder.encode(`console-csrf:${session.nonce}`)));
}

export async function isCsrfTokenOf(session: Session, given: string): Promise<boolean> {
  return sameSecret(given, await csrfTokenOf(session));
}

/** A POST from a page of this origin: browsers send Origin on every form POST. */
export function isSameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  return !!origin && origin === new URL(c.req.url).origin;
}
