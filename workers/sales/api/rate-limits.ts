import type { MiddlewareHandler } from "hono";
import type { Customer } from "../../../src/contracts/values";
import { sha256Hex } from "../../../src/platform/hash";
import { problemResponse } from "../../../src/platform/http";
import { errorMessage, log } from "../../../src/platform/log";
import { Problem } from "../../../src/platform/problem";

/**
 * Every limit of wrangler.toml's [[ratelimits]] counts per minute (period = 60), so a client
 * over one has a fresh window within this long (a limit counted per 10 s would only be told to
 * wait longer than it must, never too little).
 */
export const RETRY_AFTER_SECONDS = 60;

type Limiter = "ORDERS_PER_IP" | "ORDERS_PER_CUSTOMER" | "ADMIN_PER_IP";

/** 429 problem+json with `Retry-After`. */
export class RateLimited extends Problem {
  constructor(what: string) {
    super(429, "rate-limited", "Too many requests", `Too many ${what}; try again in ${RETRY_AFTER_SECONDS} seconds.`, {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }

  override toResponse(instance?: string, headers: Record<string, string> = {}): Response {
    return super.toResponse(instance, { "retry-after": String(RETRY_AFTER_SECONDS), ...headers });
  }
}

/** The OpenAPI entry of a 429. */
export const rateLimitedResponse = (description: string) => ({
  ...problemResponse(description),
  headers: { "Retry-After": { schema: { type: "integer" as const, example: RETRY_AFTER_SECONDS }, description: "Seconds until the limit's window has passed" } },
});

/**
 * True while `key` is within the limiter's limit. A limiter that fails lets the request
 * through (logged): its outage must not stop sales.
 */
async function within(env: SalesEnv, limiter: Limiter, key: string): Promise<boolean> {
  try {
    return (await env[limiter].limit({ key })).success;
  } catch (error) {
    log("warn", "rate limiter unavailable; request let through", { limiter, error: errorMessage(error) });
    return true;
  }
}

/** Cloudflare sets CF-Connecting-IP on every request from the internet; without one (a local call) all such requests share one key. */
const clientIp = (header: string | undefined) => header?.trim() || "unknown";

/** Middleware: counts every request of the route per client IP, before anything is read or checked. */
export function perClientIp(limiter: Limiter, what: string): MiddlewareHandler<{ Bindings: SalesEnv }> {
  return async (c, next) => {
    if (!(await within(c.env, limiter, `ip:${clientIp(c.req.header("cf-connecting-ip"))}`))) throw new RateLimited(what);
    await next();
  };
}

/**
 * Middleware for `POST /orders`: starts counting the request per client IP at once, without
 * waiting, so the count overlaps reading and validating the body; the handler waits for it with
 * the customer's counts (`limitOrders`). A request refused before the handler (an invalid body)
 * is counted too, and answered 429 once over the limit.
 */
export function ordersPerClientIp(): MiddlewareHandler<{ Bindings: SalesEnv; Variables: { ordersFromAddress: Promise<boolean> } }> {
  return async (c, next) => {
    const allowed = within(c.env, "ORDERS_PER_IP", `ip:${clientIp(c.req.header("cf-connecting-ip"))}`);
    c.set("ordersFromAddress", allowed);
    await next();
    if (c.error && !(await allowed)) c.res = new RateLimited(ORDERS_FROM_ADDRESS).toResponse();
  };
}

const ORDERS_FROM_ADDRESS = "orders from this address";

/**
 * Counts an order against its customer: the email (as its customer id) and the phone, each on
 * its own, so neither a new address nor a new number resets the count. Keys carry no contact data.
 * All in one round with the client IP's count.
 */
export async function limitOrders(env: SalesEnv, fromAddress: Promise<boolean>, customer: Customer, customerId: Promise<string>): Promise<void> {
  const keys = [`customer:${await customerId}`];
  if (customer.phone) keys.push(`phone:${(await sha256Hex(`choreo-phone:${customer.phone}`)).slice(0, 24)}`);
  const [address, ...forCustomer] = await Promise.all([fromAddress, ...keys.map((key) => within(env, "ORDERS_PER_CUSTOMER", key))]);
  if (!address) throw new RateLimited(ORDERS_FROM_ADDRESS);
  if (forCustomer.includes(false)) throw new RateLimited("orders for this customer");
}
