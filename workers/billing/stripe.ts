import type { RefundReason } from "../../src/contracts/values";
import { callProvider, formEncode } from "../../src/platform/provider";
import { providerConfig } from "../../src/platform/provider-config";
import { CLOCK_MARGIN_MS, lookBack, type Trace } from "../../src/platform/provider-once";

export type StripeConfig = { baseUrl: string; secretKey: string; idempotencyWindowSeconds: number };

/** Stripe keeps an Idempotency-Key for 24 hours; an hour's margin for clocks and queue delays. */
export const STRIPE_IDEMPOTENCY_WINDOW_SECONDS = 23 * 3600;

/** Stripe's configuration from Billing's env. */
export const stripeConfig = (env: Partial<Record<"STRIPE_API_BASE" | "STRIPE_SECRET_KEY" | "STRIPE_IDEMPOTENCY_WINDOW_SECONDS", unknown>>) =>
  providerConfig("Stripe", env, ["STRIPE_API_BASE", "STRIPE_SECRET_KEY"], (vars): StripeConfig => ({
    baseUrl: vars.STRIPE_API_BASE,
    secretKey: vars.STRIPE_SECRET_KEY,
    idempotencyWindowSeconds: Number(env.STRIPE_IDEMPOTENCY_WINDOW_SECONDS) > 0 ? Number(env.STRIPE_IDEMPOTENCY_WINDOW_SECONDS) : STRIPE_IDEMPOTENCY_WINDOW_SECONDS,
  }));

export type Charge =
  | { kind: "succeeded"; paymentIntentId: string; amount: number; currency: string }
  | { kind: "declined"; code: string; message: string; paymentIntentId?: string }
  | { kind: "retryable"; reason: string; afterSeconds?: number; maybeActed?: boolean }
  | { kind: "refused"; reason: string };

/** A form-encoded POST to Stripe with Bearer auth and an Idempotency-Key. */
function stripePost(config: StripeConfig, path: string, idempotencyKey: string, form: Parameters<typeof formEncode>[0]) {
  return callProvider("Stripe", `${config.baseUrl.replace(/\/$/, "")}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${config.secretKey}`,
      "content-type": "application/x-www-form-urlencoded",
      "idempotency-key": idempotencyKey,
    },
    body: formEncode(form),
  });
}

/** Stripe's invalid-request codes that come from the order itself, not from our configuration. */
const CUSTOMER_ERRORS = new Set(["resource_missing", "amount_too_small", "amount_too_large", "payment_method_unactivated", "payment_method_invalid_parameter"]);

type StripeError = { error?: { type?: string; code?: string; decline_code?: string; message?: string; payment_intent?: { id?: string } } };

/**
 * Creates and confirms a PaymentIntent (Stripe's API shape: form-encoded, Bearer auth).
 * The Idempotency-Key comes from the order, so a redelivered event can never charge twice.
 */
export async function chargeOrder(
  config: StripeConfig,
  charge: { orderId: string; amount: number; currency: string; paymentMethod: string; customerEmail: string },
): Promise<Charge> {
  const reply = await stripePost(config, "/v1/payment_intents", `choreo-charge-${charge.orderId}`, {
    amount: charge.amount,
    currency: charge.currency.toLowerCase(),
    payment_method: charge.paymentMethod,
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    receipt_email: charge.customerEmail,
    description: `Order ${charge.orderId}`,
    metadata: { order_id: charge.orderId },
  });
  if (reply.kind === "retryable") return reply;
  if (reply.kind === "refused") {
    const error = (reply.body as StripeError).error;
    // What the customer sent and no retry can fix (a payment method Stripe has never seen, an
    // amount it will not charge) ends the order as a failed payment, not a message parked forever.
    if (reply.status === 400 && error?.type === "invalid_request_error" && error.code && CUSTOMER_ERRORS.has(error.code)) {
      return { kind: "declined", code: error.code, message: error.message ?? "Stripe refused the payment request." };
    }
    if (reply.status === 402 && error?.type === "card_error") {
      return {
        kind: "declined",
        code: error.decline_code ?? error.code ?? "card_declined",
        message: error.message ?? "The card was declined.",
        ...(error.payment_intent?.id ? { paymentIntentId: error.payment_intent.id } : {}),
      };
    }
    return { kind: "refused", reason: reply.reason };
  }
  return chargeOf(reply.body as PaymentIntent);
}

type PaymentIntent = { id: string; status: string; amount: number; currency: string; created?: number; last_payment_error?: { code?: string; message?: string } };

/** What a PaymentIntent says about the charge. */
function chargeOf(intent: PaymentIntent): Charge {
  if (intent.status === "succeeded") {
    return { kind: "succeeded", paymentIntentId: intent.id, amount: intent.amount, currency: intent.currency.toUpperCase() };
  }
  // requires_action (3-D Secure) cannot complete without the customer: treated as a decline.
  return {
    kind: "declined",
    code: intent.last_payment_error?.code ?? intent.status,
    message: intent.last_payment_error?.message ?? `payment ended in status ${intent.status}`,
    paymentIntentId: intent.id,
  };
}

type SearchedIntent = PaymentIntent & { metadata?: Record<string, string> };

/** The order's newest intent among these, as a charge. */
function chargeFor(orderId: string, intents: SearchedIntent[]): Charge | undefined {
  const mine = intents.filter((intent) => intent.metadata?.order_id === orderId).sort((a, b) => (b.created ?? 0) - (a.created ?? 0));
  return mine[0] && chargeOf(mine[0]);
}

const stripeGet = (config: StripeConfig, path: string) =>
  callProvider("Stripe", `${config.baseUrl.replace(/\/$/, "")}${path}`, { headers: { authorization: `Bearer ${config.secretKey}` } });

/**
 * The order's charge as Stripe has it, found by the order id in its metadata (Stripe's Search
 * API): what a charge whose answer never came back did, once its Idempotency-Key may be gone
 * (a day later, when Search's lag of up to a minute no longer matters). None: no charge reached Stripe.
 */
export async function findCharge(config: StripeConfig, orderId: string): Promise<Trace<Charge>> {
  const reply = await stripeGet(config, `/v1/payment_intents/search?${new URLSearchParams({ query: `metadata['order_id']:'${orderId}'`, limit: "10" })}`);
  if (reply.kind === "retryable") return reply;
  // A search Stripe refuses is no evidence either way: wait rather than charge again.
  if (reply.kind === "refused") return { kind: "retryable", reason: reply.reason, afterSeconds: 60 };
  const charge = chargeFor(orderId, (reply.body as { data?: SearchedIntent[] }).data ?? []);
  return charge ? { kind: "found", result: charge } : { kind: "none" };
}

/** How long Stripe's Search may take to show a new PaymentIntent (its documented lag, in normal operation). */
export const SEARCH_LAG_MS = 60_000;

/**
 * The order's charge made by tries that got no answer, none older than `since` (a cancellation
 * right after an unanswered charge): the PaymentIntents created since are listed, newest first,
 * because the List API reads what was just written and Search may not have it yet. In a shop
 * charging so fast that the list cannot page back to `since`, what it did read covers the newest
 * intents; once that reaches back past Search's lag, Search answers for every older one.
 */
export async function findRecentCharge(config: StripeConfig, orderId: string, since: string, now: number): Promise<Trace<Charge>> {
  const created = String(Math.floor((Date.parse(since) - CLOCK_MARGIN_MS) / 1000));
  const listUrl = (after?: string) => `/v1/payment_intents?${new URLSearchParams({ "created[gte]": created, limit: "100", ...(after ? { starting_after: after } : {}) })}`;
  let readBackTo = Infinity;
  const listed = await lookBack({
    what: `Stripe list for order ${orderId}`,
    first: listUrl(),
    since,
    get: (url) => stripeGet(config, url),
    page: (body) => {
      const { data = [], has_more } = body as { data?: SearchedIntent[]; has_more?: boolean };
      // `created` is whole seconds: the intent was made before the next one began.
      for (const intent of data) if (intent.created !== undefined) readBackTo = Math.min(readBackTo, (intent.created + 1) * 1000);
      // The list holds only intents created since: it ends when has_more does.
      return { items: data, next: has_more && data.length > 0 ? listUrl(data.at(-1)!.id) : null, createdAt: () => undefined };
    },
    match: (intents) => chargeFor(orderId, intents),
  });
  if (listed.kind !== "retryable") return listed;
  if (readBackTo <= now - SEARCH_LAG_MS) return findCharge(config, orderId);
  // A list too long to read back waits no longer than Search's lag; a provider's "not now" keeps its own pace.
  return listed.afterSeconds === undefined ? listed : { ...listed, afterSeconds: Math.min(listed.afterSeconds, SEARCH_LAG_MS / 1000) };
}

export type RefundResult =
  | { kind: "refunded"; refundId: string; amount: number; currency: string }
  | { kind: "retryable"; reason: string; afterSeconds?: number }
  | { kind: "refused"; reason: string };

/** Refunds a PaymentIntent in full, once per order whatever the number of calls (Idempotency-Key). */
export async function refundOrder(
  config: StripeConfig,
  refund: { orderId: string; paymentIntentId: string; reason: RefundReason },
): Promise<RefundResult> {
  const reply = await stripePost(config, "/v1/refunds", `choreo-refund-${refund.orderId}`, {
    payment_intent: refund.paymentIntentId,
    reason: "requested_by_customer",
    metadata: { order_id: refund.orderId, choreo_reason: refund.reason },
  });
  if (reply.kind === "retryable") return reply;
  if (reply.kind === "refused") return { kind: "refused", reason: reply.reason };
  return refundOf(reply.body as StripeRefund);
}

type StripeRefund = { id: string; amount: number; currency: string; status: string; created?: number };

function refundOf(refund: StripeRefund): RefundResult {
  if (refund.status === "failed" || refund.status === "canceled") return { kind: "refused", reason: `refund ${refund.id} ended ${refund.status}` };
  return { kind: "refunded", refundId: refund.id, amount: refund.amount, currency: refund.currency.toUpperCase() };
}

/**
 * The PaymentIntent's refund as Stripe has it (GET /v1/refunds?payment_intent=…): what a refund
 * whose answer never came back did, once its Idempotency-Key may be gone.
 */
export async function findRefund(config: StripeConfig, paymentIntentId: string): Promise<Trace<RefundResult>> {
  const reply = await callProvider("Stripe", `${config.baseUrl.replace(/\/$/, "")}/v1/refunds?${new URLSearchParams({ payment_intent: paymentIntentId, limit: "10" })}`, {
    headers: { authorization: `Bearer ${config.secretKey}` },
  });
  if (reply.kind === "retryable") return reply;
  if (reply.kind === "refused") return { kind: "retryable", reason: reply.reason, afterSeconds: 60 };
  const refunds = ((reply.body as { data?: StripeRefund[] }).data ?? []).filter((refund) => refund.status !== "failed" && refund.status !== "canceled");
  return refunds[0] ? { kind: "found", result: refundOf(refunds[0]) } : { kind: "none" };
}
