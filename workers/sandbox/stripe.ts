/** Stripe test PaymentMethods and what they do, as in Stripe's test mode. */
const DECLINES: Record<string, { code: string; decline_code: string; message: string }> = {
  pm_card_chargeDeclined: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  pm_card_chargeDeclinedInsufficientFunds: { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
  pm_card_chargeDeclinedExpiredCard: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
};

export type StripeAnswer = { status: number; body: unknown; outcome: "created" | "declined" | "invalid" };

/** Simulates POST /v1/payment_intents with confirm=true. */
export function createPaymentIntent(form: URLSearchParams, newId: (prefix: string) => string): StripeAnswer {
  const amount = Number(form.get("amount"));
  const currency = form.get("currency");
  const paymentMethod = form.get("payment_method");
  if (!Number.isInteger(amount)) return invalid("amount", "Invalid integer: amount.");
  if (amount < 50) return invalid("amount", "Amount must be at least 50 minor units.", "amount_too_small");
  if (amount > 99_999_999) return invalid("amount", "Amount must be no more than 99,999,999 minor units.", "amount_too_large");
  if (!currency || !/^[a-z]{3}$/.test(currency)) return invalid("currency", "Invalid currency: must be a lowercase ISO code.");
  if (!paymentMethod) return invalid("payment_method", "Missing required param: payment_method.");
  const metadata: Record<string, string> = {};
  for (const [key, value] of form) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match) metadata[match[1]!] = value;
  }
  const id = newId("pi");
  const intent = {
    id,
    object: "payment_intent",
    amount,
    amount_received: 0,
    currency,
    payment_method: paymentMethod,
    confirmation_method: "automatic",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    metadata,
    status: "requires_payment_method",
    latest_charge: null as string | null,
  };
  const decline = DECLINES[paymentMethod];
  if (decline) {
    return {
      status: 402,
      outcome: "declined",
      body: { error: { type: "card_error", ...decline, payment_intent: { ...intent, last_payment_error: decline } } },
    };
  }
  // Test mode knows its pm_card_* methods; any other id is one Stripe has never seen.
  if (!paymentMethod.startsWith("pm_card_")) return invalid("payment_method", `No such PaymentMethod: '${paymentMethod}'`, "resource_missing");
  return {
    status: 200,
    outcome: "created",
    body: { ...intent, status: "succeeded", amount_received: amount, latest_charge: newId("ch") },
  };
}

function invalid(param: string, message: string, code?: string): StripeAnswer {
  return { status: 400, outcome: "invalid", body: { error: { type: "invalid_request_error", ...(code ? { code } : {}), param, message } } };
}

type Intent = { id: string; amount: number; currency: string; status: string; amount_refunded?: number };

/** Simulates POST /v1/refunds for a whole PaymentIntent. */
export function createRefund(
  form: URLSearchParams,
  find: (id: string) => Intent | undefined,
  newId: (prefix: string) => string,
): StripeAnswer & { intent?: Intent } {
  const intentId = form.get("payment_intent");
  if (!intentId) return invalid("payment_intent", "Missing required param: payment_intent.");
  const intent = find(intentId);
  if (!intent) return { status: 404, outcome: "invalid", body: { error: { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${intentId}'` } } };
  if (intent.status !== "succeeded") return invalid("payment_intent", "This PaymentIntent has no successful charge to refund.");
  if ((intent.amount_refunded ?? 0) >= intent.amount) {
    return { status: 400, outcome: "invalid", body: { error: { type: "invalid_request_error", code: "charge_already_refunded", message: "Charge has already been refunded." } } };
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of form) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match) metadata[match[1]!] = value;
  }
  return {
    status: 200,
    outcome: "created",
    intent: { ...intent, amount_refunded: intent.amount },
    body: {
      id: newId("re"),
      object: "refund",
      amount: intent.amount,
      currency: intent.currency,
      payment_intent: intent.id,
      reason: form.get("reason"),
      metadata,
      status: "succeeded",
      created: Math.floor(Date.now() / 1000),
    },
  };
}
