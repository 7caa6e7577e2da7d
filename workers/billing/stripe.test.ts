import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newOrderId } from "../../src/platform/ids";
import { CLOCK_MARGIN_MS } from "../../src/platform/provider-once";
import { chargeOrder, findRecentCharge, SEARCH_LAG_MS, stripeConfig } from "./stripe";

const charge = (orderId: string) => ({ orderId, amount: 3000, currency: "USD", paymentMethod: "pm_card_visa", customerEmail: "ada@example.com" });

describe("finding a charge whose answer was lost (a cancellation right after it)", () => {
  it("finds it behind more than a thousand newer charges: listed in its tries' window, then searched once Search has caught up", async () => {
    const stripe = stripeConfig(env as BillingEnv);
    if (!stripe.ok) throw new Error("the test's Stripe settings are incomplete");
    const orderId = newOrderId();
    const from = new Date().toISOString();
    const lost = await chargeOrder(stripe.config, charge(orderId));
    const tried = { from, to: new Date().toISOString() };
    expect(lost.kind).toBe("succeeded");
    // A busy shop: past the clock margin, more charges than ten pages of the List API hold.
    await new Promise((resolve) => setTimeout(resolve, CLOCK_MARGIN_MS + 2000));
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => chargeOrder(stripe.config, charge(newOrderId()))));
    }
    const listed = await findRecentCharge(stripe.config, orderId, tried, Date.parse(tried.to) + 1000);
    expect(listed).toEqual({ kind: "found", result: lost });
    const searched = await findRecentCharge(stripe.config, orderId, tried, Date.parse(tried.to) + SEARCH_LAG_MS);
    expect(searched).toEqual({ kind: "found", result: lost });
    expect(await findRecentCharge(stripe.config, newOrderId(), tried, Date.parse(tried.to) + 1000)).toEqual({ kind: "none" });
    expect(await findRecentCharge(stripe.config, newOrderId(), tried, Date.parse(tried.to) + SEARCH_LAG_MS)).toEqual({ kind: "none" });
  }, 120_000);
});
