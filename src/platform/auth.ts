import type { MiddlewareHandler } from "hono";
import { Problem } from "./problem";

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerToken(authorization: string | undefined | null): string | undefined {
  return authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1] : undefined;
}

/**
 * True when `given` is `expected`. Both sides are hashed first so the comparison is
 * constant-time and of equal length whatever was sent.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * True when the request carries `Authorization: Bearer <adminToken>`. (Not hono/bearer-auth:
 * its failures are plain 401s, and ours must be problem+json, 503 when unset.)
 */
export async function isAdmin(authorization: string | undefined | null, adminToken: string | undefined): Promise<boolean> {
  const given = bearerToken(authorization);
  if (!adminToken || !given) return false;
  return sameSecret(given, adminToken);
}

/** Throws a 401 problem unless the request is from an admin. */
export async function requireAdmin(authorization: string | undefined | null, adminToken: string | undefined): Promise<void> {
  if (!adminToken) {
    throw new Problem(503, "admin-disabled", "Admin API is not configured", "Set the ADMIN_TOKEN secret to enable admin endpoints.");
  }
  if (!(await isAdmin(authorization, adminToken))) {
    throw new Problem(401, "unauthorized", "Admin credentials required", "Send Authorization: Bearer <ADMIN_TOKEN>.");
  }
}

/** Hono middleware: the routes behind it answer admins only, before anything else is read. */
export const adminOnly: MiddlewareHandler<{ Bindings: { ADMIN_TOKEN?: string } }> = async (c, next) => {
  await requireAdmin(c.req.header("authorization"), c.env.ADMIN_TOKEN);
  await next();
};
