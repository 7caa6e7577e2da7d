// Billing inside the caller's request: Stripe's answer (or outage) is the caller's answer.
import { sandboxDeliveryHooks } from "../../../workers/sandbox/delivery-hooks";
import { chargeOrder, stripeConfig } from "../../../workers/billing/stripe";

type SyncBillingEnv = { STRIPE_API_BASE: string; STRIPE_SECRET_KEY: string; SANDBOX_URL: string };

export default {
  async fetch(request, env) {
    // The sandbox's consumer switch for "billing" stops this service too, for the outage comparison.
    if ((await sandboxDeliveryHooks(env.SANDBOX_URL)?.batch("billing"))?.stopped) return new Response("billing is down", { status: 503 });
    const order = (await request.json()) as Parameters<typeof chargeOrder>[1];
    const stripe = stripeConfig(env);
    if (!stripe.ok) return new Response(stripe.retry.reason, { status: 503 });
    const charge = await chargeOrder(stripe.config, order);
    return charge.kind === "succeeded" ? Response.json(charge) : Response.json(charge, { status: 502 });
  },
} satisfies ExportedHandler<SyncBillingEnv>;
