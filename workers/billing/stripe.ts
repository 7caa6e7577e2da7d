import { callProvider, formEncode } from "../../src/platform/provider";

export type StripeConfig = { baseUrl: string; secretKey: string };

export type Charge =
  | { kind: "succeeded"; paymentIntentId: string; amount: number; currency: string }
  | { kind: "declined"; code: string; message: string; paymentIntentId?: string }
  | { kind: "retryable"; reason: string; afterSeconds?: number }
  | { kind: "refused"; reason: string };

type StripeError = { error?: { type?: string; code?: string; decline_code?: string; message?: string; payment_intent?: { id?: string } } };

/**
 * Creates and confirms a PaymentIntent (Stripe's API shape: form-encoded, Bearer auth).
 * The Idempotency-Key comes from the order, so a redelivered event can never charge twice.
 */
export async function chargeOrder(
  config: StripeConfig,
  charge: { orderId: string; amount: number; currency: string; paymentMethod: string; customerEmail: string },
): Promise<Charge> {
  const reply = await callProvider("Stripe", `${config.baseUrl.replace(/\/$/, "")}/v1/payment_intents`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${config.secretKey}`,
      "content-type": "application/x-www-form-urlencoded",
      "idempotency-key": `choreo-charge-${charge.orderId}`,
    },
    body: formEncode({
      amount: charge.amount,
      currency: charge.currency.toLowerCase(),
      payment_method: charge.paymentMethod,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      receipt_email: charge.customerEmail,
      description: `Order ${charge.orderId}`,
      metadata: { order_id: charge.orderId },
    }),
  });
  if (reply.kind === "retryable") return reply;
  if (reply.kind === "refused") {
    const error = (reply.body as StripeError).error;
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
  const intent = reply.body as { id: string; status: string; amount: number; currency: string; last_payment_error?: { code?: string; message?: string } };
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
